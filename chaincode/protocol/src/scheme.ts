/**
 * Names of the hashing rule; any change to an output of the rule needs a new scheme id.
 *
 * - `corroborate-v1`: field leaves over the field's name and canonical value alone.
 * - `corroborate-v2`: the same rule with every field leaf salted, each field with a salt of its
 *   own derived from a seed the requester draws for the block (see `salt.ts`).
 */
export const SCHEME_V1 = 'corroborate-v1';
export const SCHEME_V2 = 'corroborate-v2';

/** Every scheme id this protocol implements, oldest first. */
export const SCHEMES = [SCHEME_V1, SCHEME_V2] as const;

/** A scheme id this protocol implements. */
export type Scheme = (typeof SCHEMES)[number];

/** The scheme new first blocks are made under. */
export const DEFAULT_SCHEME: Scheme = SCHEME_V2;

/** True for a scheme id this protocol implements. */
export function isScheme(value: unknown): value is Scheme {
  return (SCHEMES as readonly unknown[]).includes(value);
}
