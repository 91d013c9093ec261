import type { Command } from 'commander';
import type { CliEnvironment } from './environment';

/** State one command run shares with its actions: the environment and the exit code to return. */
export interface CliContext {
  readonly cli: CliEnvironment;
  exitCode: number;
}

export function isJsonOutput(command: Command): boolean {
  return (command.optsWithGlobals<{ json?: boolean }>().json ?? false) === true;
}

/** Prints a result on stdout: as JSON with `--json`, otherwise as the text `human` makes. */
export function printResult(
  context: CliContext,
  command: Command,
  value: unknown,
  human: () => string,
): void {
  const text = isJsonOutput(command) ? JSON.stringify(value, null, 2) : human();
  context.cli.writeOut(text.endsWith('\n') ? text : `${text}\n`);
}

/** Aligns `label value` rows into two columns. */
export function formatRows(rows: ReadonlyArray<readonly [string, string]>, indent = ''): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
