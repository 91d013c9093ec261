/** Names the hashing rule; any change to an output of the rule needs a new scheme id. */
export const SCHEME = 'corroborate-v1';

/** The type of {@link SCHEME}: the one scheme id this protocol implements. */
export type Scheme = typeof SCHEME;
