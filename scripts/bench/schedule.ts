/**
 * Open-loop arrivals: requests are sent at fixed times whatever the system's state, as users
 * arrive, so that a slow system shows its queue in the latency instead of slowing the load down
 * (a closed loop, where each client waits for its answer before the next request, hides it).
 */

/**
 * Arrival offsets in milliseconds from the start of the run, one every 1000 / rate ms, every
 * arrival strictly before `seconds` have passed.
 */
export function openLoopSchedule(ratePerSecond: number, seconds: number): number[] {
  if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
    throw new RangeError(`an arrival rate is a positive number per second, not ${ratePerSecond}`);
  }
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new RangeError(`an open-loop run lasts a positive number of seconds, not ${seconds}`);
  }
  const count = Math.ceil(ratePerSecond * seconds - 1e-9);
  return Array.from({ length: count }, (_, index) => (index * 1000) / ratePerSecond);
}

export interface OpenLoopResult {
  /** Scheduled arrival → completion, per completed request (ms). */
  readonly latencies: number[];
  readonly errors: number;
  readonly firstError?: string;
  /** How late each request left beside its scheduled time (ms): the sender's own lag. */
  readonly sendLags: number[];
  readonly maxInFlight: number;
  /** From the first scheduled arrival to the last completion (ms). */
  readonly elapsedMs: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Sends `fire(i)` at each scheduled offset without waiting for earlier ones; `fire` resolves with
 * the time its request completed, on the same clock. Latency is counted from the scheduled time,
 * so a sender that falls behind its schedule does not hide the delay.
 */
export async function runOpenLoop(
  offsets: readonly number[],
  fire: (index: number) => Promise<number>,
  clock: Clock,
): Promise<OpenLoopResult> {
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastDone = 0;
  const start = clock.now();
  const pending: Array<Promise<void>> = [];
  for (const [index, offset] of offsets.entries()) {
    const at = start + offset;
    const wait = at - clock.now();
    if (wait > 0) await clock.sleep(wait);
    sendLags.push(Math.max(0, clock.now() - at));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    pending.push(
      fire(index).then(
        (doneAt) => {
          inFlight--;
          latencies.push(doneAt - at);
          lastDone = Math.max(lastDone, doneAt);
        },
        (error: unknown) => {
          inFlight--;
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
          lastDone = Math.max(lastDone, clock.now());
        },
      ),
    );
  }
  await Promise.all(pending);
  return {
    latencies,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    sendLags,
    maxInFlight,
    elapsedMs: Math.max(0, lastDone - start),
  };
}
