import { SourceError } from './source';

/** Refuses to start work for a read that was already abandoned. */
export function assertNotAborted(signal: AbortSignal | undefined, sourceId: string): void {
  if (signal?.aborted === true) {
    throw newAbortError(signal, sourceId);
  }
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts. Drivers without cancellation keep
 * running the statement (the statement timeout bounds it); the caller stops waiting.
 */
export async function raceAbort<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  sourceId: string,
): Promise<T> {
  if (signal === undefined) {
    return work;
  }
  assertNotAborted(signal, sourceId);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(newAbortError(signal, sourceId));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function newAbortError(signal: AbortSignal, sourceId: string): SourceError {
  return new SourceError('SOURCE_UNAVAILABLE', `source ${sourceId}: read aborted`, {
    sourceId,
    cause: signal.reason,
  });
}
