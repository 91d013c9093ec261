import { Command, CommanderError } from 'commander';
import { addHashCommand } from './commands/hash';
import { addNetworkCommands } from './commands/network';
import { addReceiptCommands } from './commands/receipts';
import { addRequestCommands } from './commands/requests';
import { addServiceCommands } from './commands/services';
import { CliError, type CliEnvironment } from './environment';
import type { CliContext } from './output';

/** The command table: each entry adds one command family to the program. */
const commandTable: ReadonlyArray<(program: Command, context: CliContext) => void> = [
  addNetworkCommands,
  addServiceCommands,
  addRequestCommands,
  addReceiptCommands,
  addHashCommand,
];

export function newProgram(context: CliContext): Command {
  const { cli } = context;
  const program = new Command('corroborate')
    .description(
      'Corroborate: consortium agreement that a record is authentic, on Hyperledger Fabric',
    )
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(add --help for the commands and options)')
    .configureOutput({
      writeOut: (text) => cli.writeOut(text),
      writeErr: (text) => cli.writeErr(text),
    });
  for (const add of commandTable) {
    add(program, context);
  }
  // Every command exits through runCli, never through process.exit, so that it can run in-process.
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/**
 * Runs the CLI on `args` (without the node and script paths) and returns the exit code: 0 on
 * success, 1 on failure, 2 on a usage error, 3 when `request submit --wait` ends not accepted.
 */
export async function runCli(args: readonly string[], cli: CliEnvironment): Promise<number> {
  const context: CliContext = { cli, exitCode: 0 };
  const program = newProgram(context);
  const json = args.includes('--json');
  try {
    await program.parseAsync([...args], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help already.
      return error.exitCode === 0 ? 0 : 2;
    }
    const { code, message, exitCode } = describeError(error);
    cli.writeErr(
      json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${message}\n`,
    );
    return exitCode;
  }
}

function describeError(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) {
    return { code: error.code, message: error.message, exitCode: error.exitCode };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'ERROR', message: error.message, exitCode: 1 };
  }
  return { code: 'ERROR', message: String(error), exitCode: 1 };
}
