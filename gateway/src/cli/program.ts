import { Command, CommanderError } from 'commander';
import type * as HashCommand from './commands/hash';
import type * as NetworkCommands from './commands/network';
import type * as ReceiptCommands from './commands/receipts';
import type * as RequestCommands from './commands/requests';
import type * as ServiceCommands from './commands/services';
import { CliError, type CliEnvironment } from './environment';
import type { CliContext } from './output';

/** Adds one command family to the program. */
type AddCommands = (program: Command, context: CliContext) => void;

interface CommandFamily {
  /** The top-level commands the family adds. */
  readonly names: readonly string[];
  load(): AddCommands;
}

/*
 * The command table. A run loads only the family of the command it runs, so that `hash` and
 * `receipt verify` work offline without loading what the services and the gateway client need.
 * `require` rather than `import()`: it resolves the TypeScript sources under a loader as well as
 * the compiled CLI, and keeps building the program synchronous.
 */
const commandTable: readonly CommandFamily[] = [
  {
    names: ['network'],
    load: () => (require('./commands/network') as typeof NetworkCommands).addNetworkCommands,
  },
  {
    names: ['gateway', 'worker'],
    load: () => (require('./commands/services') as typeof ServiceCommands).addServiceCommands,
  },
  {
    names: ['request'],
    load: () => (require('./commands/requests') as typeof RequestCommands).addRequestCommands,
  },
  {
    names: ['receipt'],
    load: () => (require('./commands/receipts') as typeof ReceiptCommands).addReceiptCommands,
  },
  {
    names: ['hash'],
    load: () => (require('./commands/hash') as typeof HashCommand).addHashCommand,
  },
];

/**
 * Builds the program for `args`: with the family of the command they name, or with every family
 * when they name none (help, or a command to suggest a correction for).
 */
export function newProgram(context: CliContext, args: readonly string[] = []): Command {
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
  const name = args.find((arg) => !arg.startsWith('-'));
  const named = commandTable.filter((family) => name !== undefined && family.names.includes(name));
  for (const family of named.length > 0 ? named : commandTable) {
    family.load()(program, context);
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
 * success, 1 on failure, 2 on a usage error, 3 when `request submit --wait` ends not accepted, 4 when
 * `request recheck --wait` ends with a participant attesting drifted or unreadable.
 */
export async function runCli(args: readonly string[], cli: CliEnvironment): Promise<number> {
  const context: CliContext = { cli, exitCode: 0 };
  const program = newProgram(context, args);
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
