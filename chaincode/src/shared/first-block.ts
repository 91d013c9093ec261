import { newInvalidArgument } from './errors';
import type { FirstBlockContent } from './model';

/**
 * Validates untrusted JSON as a first block and returns it typed.
 *
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseFirstBlockContent(json: unknown): FirstBlockContent {
  throw newInvalidArgument('$', `not implemented yet (${typeof json})`);
}
