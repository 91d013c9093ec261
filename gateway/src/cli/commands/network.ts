import type { Command } from 'commander';
import { join } from 'node:path';
import type { CliContext } from '../output';

const subcommands = [
  ['up', 'start the local Fabric network and deploy the contract'],
  ['down', 'stop the local Fabric network and remove its state'],
  ['status', 'show whether the network processes are running'],
] as const;

/** `network up|down|status`: the network scripts own the work; the CLI only finds them. */
export function addNetworkCommands(program: Command, context: CliContext): void {
  const network = program.command('network').description('run the local Fabric network');
  for (const [name, description] of subcommands) {
    network
      .command(name)
      .description(description)
      .argument('[args...]', 'passed on to network/network.sh')
      .allowUnknownOption()
      .action(async (args: string[]) => {
        const { cli } = context;
        const script = join(cli.repoRoot, 'network', 'network.sh');
        context.exitCode = await cli.run('bash', [script, name, ...args], cli.repoRoot);
      });
  }
}
