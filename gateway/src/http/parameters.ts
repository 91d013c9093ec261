import type { Request } from 'express';
import { CorroborateError } from '../errors';

/**
 * Query, header and media-type checks that the OpenAPI schemas cannot express for Express (a
 * query value arrives as a string, an array or an object). Each refusal is INVALID_REQUEST
 * naming the parameter, UNSUPPORTED_MEDIA_TYPE or NOT_ACCEPTABLE.
 */

export function assertJson(request: Request): void {
  if (!request.is('application/json')) {
    throw new CorroborateError('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json');
  }
}

/** Refuses a client whose Accept header rules out the only media type a route answers with. */
export function assertAccepts(request: Request, type: string): void {
  if (!request.accepts(type)) {
    throw new CorroborateError('NOT_ACCEPTABLE', `this route answers ${type} only`);
  }
}

export function stringParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new CorroborateError('INVALID_REQUEST', 'repeated query parameter');
  return value;
}

export function integerParam(
  value: unknown,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = stringParam(value);
  if (text === undefined) return undefined;
  const number = Number(text);
  if (!/^\d+$/.test(text) || number < min || number > max) {
    throw new CorroborateError('INVALID_REQUEST', `${name}: an integer in ${min}..${max}`);
  }
  return number;
}

/**
 * Every value of a repeatable query parameter, read from the raw query string: Express's parser
 * turns more than 20 repetitions into an object keyed by position, and `a[0]=` forms into
 * arrays, neither of which the document describes.
 */
export function repeatedParam(request: Request, name: string): string[] {
  const query = request.originalUrl.split('?')[1] ?? '';
  return new URLSearchParams(query).getAll(name);
}

/** `?proof=RECORD` or `?proof=RECORD:FIELD`, repeatable. */
export function proofParams(items: readonly string[]): Array<{ record: number; field?: string }> {
  if (items.length > 64) throw new CorroborateError('INVALID_REQUEST', 'proof: at most 64');
  return items.map((item) => {
    const match = /^([0-9]{1,4})(?::(.{1,128}))?$/s.exec(item);
    if (!match?.[1]) {
      throw new CorroborateError('INVALID_REQUEST', 'proof: RECORD or RECORD:FIELD, e.g. 0:email');
    }
    return { record: Number(match[1]), ...(match[2] ? { field: match[2] } : {}) };
  });
}

export function idempotencyKeyOf(request: Request): string | undefined {
  const key = request.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,128}$/.test(key)) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      'Idempotency-Key: 1..128 visible ASCII characters',
    );
  }
  return key;
}

/** The SSE `Last-Event-ID`, `BLOCK:TRANSACTION_ID` as the event stream writes it. */
export function parseEventId(text: string): { block: bigint; tx: string } {
  const match = /^(\d{1,20}):([0-9a-f]{64})$/.exec(text);
  if (!match?.[1] || !match[2]) {
    throw new CorroborateError('INVALID_REQUEST', 'Last-Event-ID: BLOCK:TRANSACTION_ID');
  }
  return { block: BigInt(match[1]), tx: match[2] };
}
