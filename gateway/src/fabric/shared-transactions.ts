import type { OutcomeView, Verdict, VerdictInput } from '@corroborate/protocol';
import type { Committed, Ledger } from './ledger';

/** How submissions of one kind are gathered into shared transactions. */
export interface SharingOptions {
  /**
   * How long the first submission of a transaction waits for others to join it, in milliseconds;
   * 0 sends it at once (sharing only what arrives while a transaction is being sent).
   */
  readonly lingerMs: number;
  /** The most blocks one transaction names (1 turns sharing off). */
  readonly maxItems: number;
}

export interface SharedTransactionsOptions {
  /** Verdicts, recorded with `RecordVerdicts`. */
  readonly verdicts: SharingOptions;
  /** Outcomes, recorded with `FinalizeOutcomes`. */
  readonly outcomes: SharingOptions;
  /** What shared transactions did, for metrics: each one sent with the number of blocks it named. */
  readonly onShared?: (kind: 'verdicts' | 'outcomes', items: number, ok: boolean) => void;
}

interface Pending<Item, Result> {
  readonly item: Item;
  readonly key: string;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers single submissions into one call for many: the first waits `lingerMs` for others, at
 * most `maxItems` go together, and no key twice (the second starts the next call). A shared call
 * that fails, for whatever reason, is not the answer to any one of them: each is then submitted
 * alone, so every caller gets exactly the result or refusal its own transaction would have had.
 */
export class Coalescer<Item, Result> {
  readonly #options: SharingOptions;
  readonly #keyOf: (item: Item) => string;
  readonly #many: (items: Item[]) => Promise<Result[]>;
  readonly #one: (item: Item) => Promise<Result>;
  readonly #onSent: (items: number, ok: boolean) => void;
  #queue: Array<Pending<Item, Result>> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: {
    sharing: SharingOptions;
    keyOf: (item: Item) => string;
    many: (items: Item[]) => Promise<Result[]>;
    one: (item: Item) => Promise<Result>;
    onSent?: (items: number, ok: boolean) => void;
  }) {
    this.#options = options.sharing;
    this.#keyOf = options.keyOf;
    this.#many = options.many;
    this.#one = options.one;
    this.#onSent = options.onSent ?? (() => undefined);
  }

  submit(item: Item): Promise<Result> {
    if (this.#options.maxItems <= 1) return this.#one(item);
    return new Promise<Result>((resolve, reject) => {
      const key = this.#keyOf(item);
      if (this.#queue.some((pending) => pending.key === key)) this.#flush();
      this.#queue.push({ item, key, resolve, reject });
      if (this.#queue.length >= this.#options.maxItems) {
        this.#flush();
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => this.#flush(), this.#options.lingerMs);
      }
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length > 0) void this.#send(batch);
  }

  async #send(batch: Array<Pending<Item, Result>>): Promise<void> {
    if (batch.length > 1) {
      let results: Result[] | undefined;
      try {
        results = await this.#many(batch.map((pending) => pending.item));
      } catch {
        results = undefined;
      }
      this.#onSent(batch.length, results !== undefined);
      if (results?.length === batch.length) {
        batch.forEach((pending, index) => pending.resolve(results[index] as Result));
        return;
      }
    }
    await Promise.all(
      batch.map((pending) =>
        this.#one(pending.item).then(
          (result) => pending.resolve(result),
          (error: unknown) => pending.reject(error),
        ),
      ),
    );
  }
}

/**
 * A ledger whose `recordVerdict` and `finalizeOutcome` share transactions: concurrent calls are
 * gathered, as {@link Coalescer} does, into `RecordVerdicts` and `FinalizeOutcomes`, each block
 * still its own key, its own signed verdict and its own event. Every other call goes straight
 * through. Each caller gets its own block's result with the shared transaction's id and block.
 */
export function withSharedTransactions(ledger: Ledger, options: SharedTransactionsOptions): Ledger {
  interface VerdictItem {
    blockId: string;
    verdict: VerdictInput;
  }
  interface OutcomeItem {
    blockId: string;
    voters?: readonly string[];
  }
  const spread = <T>(committed: Committed<T[]>): Array<Committed<T>> =>
    committed.result.map((result) => ({ ...committed, result }));
  const verdicts = new Coalescer<VerdictItem, Committed<Verdict>>({
    sharing: options.verdicts,
    keyOf: (item) => item.blockId,
    many: async (items) => spread(await ledger.recordVerdicts(items)),
    one: (item) => ledger.recordVerdict(item.blockId, item.verdict),
    onSent: (items, ok) => options.onShared?.('verdicts', items, ok),
  });
  const outcomes = new Coalescer<OutcomeItem, Committed<OutcomeView>>({
    sharing: options.outcomes,
    keyOf: (item) => item.blockId,
    many: async (items) => spread(await ledger.finalizeOutcomes(items)),
    one: (item) => ledger.finalizeOutcome(item.blockId, item.voters),
    onSent: (items, ok) => options.onShared?.('outcomes', items, ok),
  });
  const overrides: Partial<Ledger> = {
    recordVerdict: (blockId, verdict) => verdicts.submit({ blockId, verdict }),
    finalizeOutcome: (blockId, voters) =>
      outcomes.submit(voters === undefined ? { blockId } : { blockId, voters }),
  };
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'recordVerdict' || property === 'finalizeOutcome') {
        return overrides[property];
      }
      const value: unknown = Reflect.get(target, property, target);
      // The ledger keeps its state in private fields: its methods must run on it, not the proxy.
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
