// SQL identifiers are never bound parameters, so they are the one place where a read could
// inject SQL. Three independent guards apply: this ASCII-only pattern (no quotes, spaces,
// punctuation or Unicode lookalikes can pass), the configured allow-list, and quoting.
const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True for an identifier that a read may name: ASCII letters, digits and '_', 1..63 long. */
export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && identifierPattern.test(value);
}

/**
 * Quotes a validated identifier for a dialect. The pattern already excludes both quote
 * characters; quoting keeps reserved words and case intact.
 */
export function quoteIdentifier(identifier: string, quote: '"' | '`'): string {
  if (!isIdentifier(identifier)) {
    throw new Error(`not a valid identifier: ${JSON.stringify(identifier)}`);
  }
  return `${quote}${identifier}${quote}`;
}
