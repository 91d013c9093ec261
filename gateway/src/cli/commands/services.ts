import type { Command } from 'commander';
import type { Config } from '../../config';
import type { RunningService } from '../environment';
import { printResult, type CliContext } from '../output';

/** `gateway start` and `worker start`: run until SIGINT or SIGTERM, then close cleanly. */
export function addServiceCommands(program: Command, context: CliContext): void {
  const services = [
    [
      'gateway',
      'the member gateway (HTTP API)',
      (config: Config) => context.cli.startGateway(config),
    ],
    [
      'worker',
      'the participant worker (verifies first blocks)',
      (config: Config) => context.cli.startWorker(config),
    ],
  ] as const;
  for (const [name, description, start] of services) {
    program
      .command(name)
      .description(`run ${description}`)
      .command('start')
      .description(`start ${description} and run until interrupted`)
      .option('--config <file>', 'member configuration file (default: $CORROBORATE_CONFIG)')
      .action(async (options: { config?: string }, command: Command) => {
        const { cli } = context;
        const config: Config = await cli.loadConfig(options.config);
        const running: RunningService = await start(config);
        printResult(context, command, { service: name, url: running.url ?? null }, () =>
          running.url ? `${name} listening on ${running.url}` : `${name} started`,
        );
        const signal = await cli.waitForSignal();
        cli.writeErr(`${name}: ${signal} received, closing\n`);
        await running.close();
      });
  }
}
