/**
 * Raw driver values in the vectors file are JSON; values JSON cannot hold are tagged objects:
 * `{"$bigint": "<decimal>"}`, `{"$bytes": "<base64>"}`, `{"$date": "<ISO 8601>"}` (a JS Date),
 * `{"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}` and `{"$undefined": true}`.
 */
export function decodeRaw(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(decodeRaw);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const entries = Object.entries(value);
  const [tag, payload] = entries[0] ?? [];
  if (entries.length === 1 && typeof tag === 'string' && tag.startsWith('$')) {
    switch (tag) {
      case '$bigint':
        return BigInt(payload as string);
      case '$bytes':
        return new Uint8Array(Buffer.from(payload as string, 'base64'));
      case '$date':
        return new Date(payload as string);
      case '$number':
        return Number(payload as string);
      case '$undefined':
        return undefined;
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, decodeRaw(item)]));
}

export function encodeRaw(value: unknown): unknown {
  if (value === undefined) {
    return { $undefined: true };
  }
  if (typeof value === 'bigint') {
    return { $bigint: value.toString() };
  }
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) {
    return { $number: Object.is(value, -0) ? '-0' : String(value) };
  }
  if (value instanceof Uint8Array) {
    return { $bytes: Buffer.from(value).toString('base64') };
  }
  if (value instanceof Date) {
    return { $date: Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString() };
  }
  if (Array.isArray(value)) {
    return value.map(encodeRaw);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encodeRaw(item)]));
  }
  return value;
}
