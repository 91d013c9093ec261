import { canonicalJson, sha256Hex, type ReadParameter } from '@corroborate/protocol';
import { randomBytes, randomUUID } from 'node:crypto';
import { acquireFirstBlock } from './acquisition';
import type { SubmitRequest, Submitted } from './api';
import { classify } from './classify';
import { CorroborateError } from './errors';
import type { MemberIdentity } from './fabric/connection';
import type { Ledger } from './fabric/ledger';
import type { FirstBlockView } from '@corroborate/protocol';
import { signFirstBlock } from './signing';
import type { SourceRegistry } from './sources/source';

/** A validated submission, as the requests API takes it. */
export type Submission = SubmitRequest;

export type { Submitted };

export interface RequestServiceOptions {
  readonly ledger: Ledger;
  readonly sources: SourceRegistry;
  readonly identity: MemberIdentity;
  readonly defaultDeadlineSeconds: number;
  readonly now?: () => Date;
}

/** The requester's side of the method (M1–M3): acquire, hash, sign, submit. */
export interface RequestService {
  submit(submission: Submission, idempotencyKey?: string): Promise<Submitted>;
}

class LedgerRequestService implements RequestService {
  readonly #options: RequestServiceOptions;
  readonly #inFlight = new Map<string, { submission: Submission; attempt: Promise<Submitted> }>();

  constructor(options: Readonly<RequestServiceOptions>) {
    this.#options = options;
  }

  submit(submission: Submission, idempotencyKey?: string): Promise<Submitted> {
    const id = submission.id ?? this.#idFor(idempotencyKey);
    // Concurrent retries with the same key share one submission; another request may not.
    const running = this.#inFlight.get(id);
    if (running) {
      if (!isSameSubmission(running.submission, submission)) {
        return Promise.reject(keyReused(id));
      }
      return running.attempt.then((submitted) => ({ ...submitted, replayed: true }));
    }
    const attempt = this.#submitOnce(id, submission, idempotencyKey !== undefined).finally(() =>
      this.#inFlight.delete(id),
    );
    this.#inFlight.set(id, { submission, attempt });
    return attempt;
  }

  async #submitOnce(id: string, submission: Submission, idempotent: boolean): Promise<Submitted> {
    const { ledger, sources, identity } = this.#options;
    if (idempotent) {
      const existing = await this.#existing(id);
      if (existing) return this.#replay(existing, submission);
    }
    const now = this.#options.now?.() ?? new Date();
    const deadlineSeconds = submission.deadlineSeconds ?? this.#options.defaultDeadlineSeconds;
    // A fresh seed per block: the salts of one block say nothing of another's.
    const saltSeed = randomBytes(32).toString('hex');
    const content = await acquireFirstBlock(sources, identity, {
      id,
      sourceId: submission.sourceId,
      reads: readsOf(submission),
      mode: submission.mode ?? 'parallel',
      hashOnly: submission.hashOnly ?? false,
      deadline: new Date(now.getTime() + deadlineSeconds * 1000),
      saltSeed,
    });
    const signature = signFirstBlock(content, identity.privateKey);
    try {
      const committed = await ledger.createFirstBlock(content, signature, saltSeed);
      return {
        id,
        status: 'pending',
        records: content.records.length,
        batchRoot: content.batchRoot,
        transactionId: committed.transactionId,
        blockNumber: committed.blockNumber.toString(),
        replayed: false,
      };
    } catch (error) {
      const { code } = classify(error);
      if (idempotent && (code === 'FIRST_BLOCK_EXISTS' || code === 'DUPLICATE_FIRST_BLOCK')) {
        const existing = await this.#existing(id);
        if (existing) return this.#replay(existing, submission);
      }
      throw error;
    }
  }

  #idFor(idempotencyKey: string | undefined): string {
    if (idempotencyKey === undefined) return `req-${randomUUID()}`;
    // Derived, not stored: the same member and key give the same id after a restart too.
    const digest = sha256Hex(`${this.#options.identity.mspId}\n${idempotencyKey}`);
    return `req-${digest.slice(0, 32)}`;
  }

  async #existing(id: string): Promise<FirstBlockView | undefined> {
    try {
      return await this.#options.ledger.getFirstBlock(id);
    } catch (error) {
      if (classify(error).code === 'FIRST_BLOCK_NOT_FOUND') return undefined;
      throw error;
    }
  }

  #replay(existing: FirstBlockView, submission: Submission): Submitted {
    const { content } = existing.block;
    const sameRequest =
      content.requester.mspId === this.#options.identity.mspId &&
      content.interface.sourceId === submission.sourceId &&
      canonicalJson(content.records.map((record) => record.read)) ===
        canonicalJson(readsOf(submission)) &&
      content.mode === (submission.mode ?? 'parallel') &&
      content.hashOnly === (submission.hashOnly ?? false);
    if (!sameRequest) throw keyReused(content.id);
    return {
      id: content.id,
      status: existing.outcome.status,
      records: content.records.length,
      batchRoot: content.batchRoot,
      transactionId: existing.block.txId,
      replayed: true,
    };
  }
}

function isSameSubmission(a: Submission, b: Submission): boolean {
  return (
    a.sourceId === b.sourceId &&
    canonicalJson(readsOf(a)) === canonicalJson(readsOf(b)) &&
    (a.mode ?? 'parallel') === (b.mode ?? 'parallel') &&
    (a.hashOnly ?? false) === (b.hashOnly ?? false)
  );
}

function keyReused(id: string): CorroborateError {
  return new CorroborateError(
    'IDEMPOTENCY_KEY_REUSED',
    `the Idempotency-Key was used for a different request (${id})`,
  );
}

function readsOf(submission: Submission): ReadParameter[] {
  if (submission.reads) return submission.reads;
  if (submission.read) return [submission.read];
  throw new CorroborateError('INVALID_REQUEST', 'give read or reads');
}

export function newRequestService(options: Readonly<RequestServiceOptions>): RequestService {
  return new LedgerRequestService(options);
}
