import canonicalize from 'canonicalize';
import { RuleError } from './errors';

/**
 * RFC 8785 (JCS) serialisation: object keys sorted by UTF-16 code units, numbers in their
 * shortest ECMAScript form, no insignificant whitespace.
 */
export function canonicalJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = canonicalize(value);
  } catch (error) {
    throw new RuleError('INVALID_VALUE', `not representable as JSON: ${String(error)}`);
  }
  if (json === undefined) {
    throw new RuleError('INVALID_VALUE', 'not representable as JSON');
  }
  return json;
}
