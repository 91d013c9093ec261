import type { Logger } from 'pino';
import { classify } from '../classify';
import type { Ledger } from '../fabric/ledger';

/** What the schedule needs of the ledger facade. */
export type ScheduleLedger = Pick<Ledger, 'listFirstBlocks' | 'getRechecks' | 'requestRecheck'>;

export interface RecheckScheduleOptions {
  readonly ledger: ScheduleLedger;
  /** Per source id, seconds between re-checks of each accepted block of that source. */
  readonly intervalSeconds: Readonly<Record<string, number>>;
  readonly logger: Logger;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A member's schedule of re-verification: each time it runs, it asks for a new round of every
 * accepted block of a listed source whose latest round (or, before any, its outcome) is at least
 * that source's interval old. A block it may not re-check (not in its snapshot) is left alone.
 */
export interface RecheckSchedule {
  /** One pass over the accepted blocks; problems are logged, never thrown. */
  run(): Promise<void>;
}

const pageSize = 100;

export function newRecheckSchedule(options: Readonly<RecheckScheduleOptions>): RecheckSchedule {
  const now = options.now ?? Date.now;
  /** Per block: when its latest round was asked for, as far as this member knows. */
  const last = new Map<string, number>();
  const refused = new Set<string>();

  async function lastRoundAt(blockId: string, decidedAt: string | undefined): Promise<number> {
    const known = last.get(blockId);
    if (known !== undefined) return known;
    const history = await options.ledger.getRechecks(blockId);
    const latest = history.rounds.at(-1);
    const at = Date.parse(latest?.requestedAt ?? decidedAt ?? '') || 0;
    last.set(blockId, at);
    return at;
  }

  async function visit(blockId: string, sourceId: string, decidedAt?: string): Promise<void> {
    const interval = options.intervalSeconds[sourceId];
    if (interval === undefined || refused.has(blockId)) return;
    if ((await lastRoundAt(blockId, decidedAt)) + interval * 1000 > now()) return;
    try {
      const committed = await options.ledger.requestRecheck(blockId);
      last.set(blockId, Date.parse(committed.result.requestedAt) || now());
      options.logger.info({ blockId, round: committed.result.round }, 'scheduled re-check asked');
    } catch (error) {
      const { code } = classify(error);
      if (code === 'NOT_A_PARTICIPANT' || code === 'NOT_ACCEPTED') {
        refused.add(blockId);
        return;
      }
      throw error;
    }
  }

  return {
    async run() {
      let bookmark = '';
      try {
        for (;;) {
          const page = await options.ledger.listFirstBlocks('accepted', pageSize, bookmark);
          for (const item of page.items) {
            await visit(item.blockId, item.sourceId, item.decidedAt).catch((error: unknown) =>
              options.logger.warn(
                { err: error, blockId: item.blockId },
                'scheduled re-check failed',
              ),
            );
          }
          if (page.items.length < pageSize || !page.bookmark) return;
          bookmark = page.bookmark;
        }
      } catch (error) {
        options.logger.warn({ err: error }, 'listing accepted blocks for re-checks failed');
      }
    },
  };
}
