// The ledger's events, live: GET /v1/events read as server-sent events through fetch, since
// EventSource cannot send the Authorization header. One stream serves every page that listens,
// and it resumes after the last event it saw when the connection drops.
import { authorization } from './api';

export interface LedgerEventMessage {
  readonly id: string;
  readonly name: string;
  readonly data: Record<string, unknown>;
}

type Listener = (event: LedgerEventMessage) => void;
type StateListener = (live: boolean) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<StateListener>();
let controller: AbortController | undefined;
let lastEventId: string | undefined;
let live = false;

/** Calls `listener` with every ledger event from now on; returns how to stop. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (controller === undefined) start();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) stop();
  };
}

/** Whether the stream is open: the pages say whether what they show is live. */
export function watchLiveness(listener: StateListener): () => void {
  stateListeners.add(listener);
  listener(live);
  return () => stateListeners.delete(listener);
}

/** Ends the stream, e.g. when the operator signs out. */
export function stop(): void {
  controller?.abort();
  controller = undefined;
  lastEventId = undefined;
  setLive(false);
}

function setLive(value: boolean): void {
  live = value;
  stateListeners.forEach((listener) => listener(value));
}

function start(): void {
  const current = new AbortController();
  controller = current;
  void (async () => {
    while (!current.signal.aborted) {
      try {
        await read(current.signal);
      } catch {
        // Dropped or refused: try again shortly, from the last event seen.
      }
      setLive(false);
      if (!current.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  })();
}

async function read(signal: AbortSignal): Promise<void> {
  const response = await fetch('/v1/events', {
    headers: {
      Accept: 'text/event-stream',
      ...authorization(),
      ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
    },
    signal,
  });
  if (!response.ok || response.body === null) throw new Error(`events: ${response.status}`);
  setLive(true);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

function dispatch(block: string): void {
  let id = '';
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return;
  if (id) lastEventId = id;
  try {
    const parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
    listeners.forEach((listener) => listener({ id, name, data: parsed }));
  } catch {
    // Not JSON: not an event this gateway sends.
  }
}
