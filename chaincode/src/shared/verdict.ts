import { newInvalidArgument } from './errors';
import type { VerdictInput } from './model';

/**
 * Validates untrusted JSON as a verdict and returns it typed.
 *
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseVerdictInput(json: unknown, recordCount?: number): VerdictInput {
  throw newInvalidArgument('$', `not implemented yet (${typeof json} ${recordCount})`);
}
