import { CliError } from './environment';
import type { CliContext } from './output';

/** Reads a file, or stdin for '-'. */
export async function readInput(context: CliContext, file: string): Promise<string> {
  try {
    return file === '-' ? await context.cli.readStdin() : await context.cli.readFile(file);
  } catch (error) {
    throw new CliError('CANNOT_READ', `cannot read ${file}: ${(error as Error).message}`);
  }
}
