import { Router } from 'express';
import { requireRole } from '../auth';
import type { Ledger, LedgerEvent } from '../fabric/ledger';
import { integerParam, parseEventId } from './parameters';

export interface EventRoutes {
  /** `GET /events`. */
  readonly routes: Router;
  /** Ends open event streams, so that the server can close. */
  readonly closeStreams: () => void;
}

/**
 * `/events`: the contract's events as server-sent events, from the ledger's height, a given
 * block, or after the `Last-Event-ID` a reconnecting client sends.
 */
export function newEventRoutes(options: Readonly<{ ledger: Ledger }>): EventRoutes {
  const { ledger } = options;
  const streams = new Set<() => void>();
  const routes = Router();

  routes.get('/events', requireRole('reader'), async (request, response) => {
    const fromBlock = integerParam(
      request.query.fromBlock,
      'fromBlock',
      0,
      Number.MAX_SAFE_INTEGER,
    );
    const lastEventId = request.get('last-event-id');
    const resume = lastEventId ? parseEventId(lastEventId) : undefined;
    const stream = await ledger.events(
      resume
        ? { checkpoint: { getBlockNumber: () => resume.block, getTransactionId: () => resume.tx } }
        : { startBlock: fromBlock !== undefined ? BigInt(fromBlock) : await ledger.height() },
    );
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    response.flushHeaders();
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      clearInterval(keepAlive);
      stream.close();
      streams.delete(stop);
      response.end();
    };
    streams.add(stop);
    request.on('close', stop);
    try {
      for await (const event of stream) {
        response.write(formatEvent(event));
      }
    } catch (error) {
      if (streams.has(stop)) request.log.warn({ err: error }, 'event stream ended');
    } finally {
      stop();
    }
  });

  return { routes, closeStreams: () => [...streams].forEach((stop) => stop()) };
}

// The id is where the event sits on the ledger, so that Last-Event-ID resumes right after it.
function formatEvent(event: LedgerEvent): string {
  const data = JSON.stringify({
    ...event.payload,
    blockNumber: event.blockNumber.toString(),
    transactionId: event.transactionId,
  });
  return `id: ${event.blockNumber}:${event.transactionId}\nevent: ${event.name}\ndata: ${data}\n\n`;
}
