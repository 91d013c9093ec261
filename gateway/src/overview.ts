import { outcomeStatuses, parseUtcTimestamp, type FirstBlockListItem } from '@corroborate/protocol';
import type { Overview } from './api';
import type { Ledger } from './fabric/ledger';

/** What the dashboard's overview shows: counts, throughput, latency, the peer and the worker. */
export interface OverviewService {
  overview(): Promise<Overview>;
}

export interface OverviewOptions {
  readonly ledger: Pick<Ledger, 'mspId' | 'height' | 'listFirstBlocks'>;
  /** This member's worker, whose `/healthz` and `/metrics` tell its health and lag. */
  readonly workerUrl?: string;
  /** Pages of 100 read per status at most; beyond them the counts say they are incomplete. */
  readonly maxPages?: number;
  /** How long one overview is served again before the ledger is read anew. */
  readonly cacheMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

const pageSize = 100;
const minute = 60_000;
const hour = 60 * minute;
const workerTimeoutMs = 2000;
const lagMetric = /^corroborate_worker_lag_blocks(?:\{[^}]*\})? ([0-9.e+-]+)$/m;

class OverviewServiceImpl implements OverviewService {
  readonly #options: Readonly<OverviewOptions>;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  #cached: { at: number; overview: Promise<Overview> } | undefined;

  constructor(options: Readonly<OverviewOptions>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
  }

  overview(): Promise<Overview> {
    const now = this.#now();
    if (this.#cached && now - this.#cached.at < (this.#options.cacheMs ?? 5000)) {
      return this.#cached.overview;
    }
    const overview = this.#compute(now);
    this.#cached = { at: now, overview };
    // A failed read is not served again.
    overview.catch(() => (this.#cached = undefined));
    return overview;
  }

  async #compute(now: number): Promise<Overview> {
    const [peer, worker] = await Promise.all([this.#peer(), this.#worker()]);
    const counts = { pending: 0, accepted: 0, rejected: 0, expired: 0 };
    let complete = true;
    const decided: FirstBlockListItem[] = [];
    if (peer.reachable) {
      for (const status of outcomeStatuses) {
        const listed = await this.#list(status);
        counts[status] = listed.items.length;
        complete &&= listed.complete;
        if (status !== 'pending') decided.push(...listed.items);
      }
    }
    return {
      generatedAt: new Date(now).toISOString(),
      mspId: this.#options.ledger.mspId,
      counts,
      complete,
      corroborated: {
        perMinute: buckets(decided, now, minute, 60),
        perHour: buckets(decided, now, hour, 24),
      },
      latency: latency(decided),
      peer,
      worker,
    };
  }

  async #list(status: FirstBlockListItem['status']) {
    const items: FirstBlockListItem[] = [];
    let bookmark = '';
    for (let page = 0; page < (this.#options.maxPages ?? 10); page++) {
      const listed = await this.#options.ledger.listFirstBlocks(status, pageSize, bookmark);
      items.push(...listed.items);
      bookmark = listed.bookmark;
      if (bookmark === '' || listed.items.length < pageSize) return { items, complete: true };
    }
    return { items, complete: false };
  }

  async #peer(): Promise<Overview['peer']> {
    try {
      return { reachable: true, height: (await this.#options.ledger.height()).toString() };
    } catch {
      return { reachable: false };
    }
  }

  async #worker(): Promise<Overview['worker']> {
    const url = this.#options.workerUrl;
    if (url === undefined) return { reachable: false };
    try {
      const signal = AbortSignal.timeout(workerTimeoutMs);
      const health = await this.#fetch(`${url}/healthz`, { signal });
      const healthy = health.ok;
      await health.body?.cancel();
      const metrics = await this.#fetch(`${url}/metrics`, { signal });
      const lag = lagMetric.exec(await metrics.text())?.[1];
      return {
        reachable: true,
        healthy,
        ...(lag !== undefined && Number.isFinite(Number(lag)) ? { lagBlocks: Number(lag) } : {}),
      };
    } catch {
      return { reachable: false };
    }
  }
}

/** Milliseconds since the epoch of a ledger timestamp (RFC 3339 UTC, up to nanoseconds). */
function millisecondsOf(timestamp: string | undefined): number | undefined {
  const nanoseconds = timestamp === undefined ? undefined : parseUtcTimestamp(timestamp);
  return nanoseconds === undefined ? undefined : Number(nanoseconds / 1_000_000n);
}

/**
 * Records corroborated (in accepted blocks) per period, oldest period first, `count` periods
 * ending with the current one.
 */
function buckets(decided: readonly FirstBlockListItem[], now: number, size: number, count: number) {
  const end = Math.floor(now / size) * size + size;
  const start = end - count * size;
  const records = new Array<number>(count).fill(0);
  for (const item of decided) {
    const at = millisecondsOf(item.decidedAt);
    if (item.status !== 'accepted' || at === undefined || at < start || at >= end) continue;
    const index = Math.floor((at - start) / size);
    records[index] = (records[index] ?? 0) + item.records;
  }
  return records.map((value, index) => ({
    start: new Date(start + index * size).toISOString(),
    records: value,
  }));
}

/** Time from first block to recorded outcome for accepted and rejected blocks (nearest rank). */
function latency(decided: readonly FirstBlockListItem[]): Overview['latency'] {
  const samples = decided
    .filter((item) => item.status === 'accepted' || item.status === 'rejected')
    .map((item) => {
      const created = millisecondsOf(item.createdAt);
      const outcome = millisecondsOf(item.decidedAt);
      return created === undefined || outcome === undefined ? undefined : outcome - created;
    })
    .filter((value): value is number => value !== undefined && value >= 0)
    .sort((a, b) => a - b);
  if (samples.length === 0) return { samples: 0 };
  const rank = (fraction: number) =>
    samples[Math.max(0, Math.ceil(fraction * samples.length) - 1)] as number;
  return { samples: samples.length, p50Ms: rank(0.5), p95Ms: rank(0.95) };
}

export function newOverviewService(options: Readonly<OverviewOptions>): OverviewService {
  return new OverviewServiceImpl(options);
}
