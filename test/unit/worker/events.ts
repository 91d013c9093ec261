import type {
  FirstBlockListItem,
  VerdictBody,
  VerdictInput,
  VerdictReason,
  VerdictResult,
} from '@corroborate/protocol';
import type * as sinon from 'sinon';
import type { EventStream, LedgerEvent } from '../../../gateway/src/fabric/ledger';
import type { DurableCheckpoint } from '../../../gateway/src/worker/checkpoint';
import type { VerificationResult } from '../../../gateway/src/worker/participant';

/** One opened event stream: the test pushes events into it; the pump or the test closes it. */
export class Channel implements EventStream {
  closed = false;
  readonly #queue: LedgerEvent[] = [];
  #wake: (() => void) | undefined;

  push(...events: LedgerEvent[]): void {
    this.#queue.push(...events);
    this.#wake?.();
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LedgerEvent> {
    for (;;) {
      while (this.#queue.length === 0 && !this.closed) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
      const event = this.#queue.shift();
      if (this.closed || event === undefined) return;
      yield event;
    }
  }
}

/** A durable checkpoint held in memory, its `save` a stub to assert on. */
export interface MemoryCheckpoint extends Omit<DurableCheckpoint, 'save'> {
  readonly save: sinon.SinonStub<[bigint, string], Promise<void>>;
}

export function newMemoryCheckpoint(
  sandbox: sinon.SinonSandbox,
  start?: { block: bigint; tx: string },
  ledgerId = 'ledger-1',
): MemoryCheckpoint {
  let block = start?.block;
  let tx = start?.tx;
  let boundLedger: string | undefined = ledgerId;
  return {
    getBlockNumber: () => block,
    getTransactionId: () => tx,
    getLedgerId: () => boundLedger,
    bindLedger: (id: string) => {
      if (id === boundLedger) return Promise.resolve(false);
      const dropped = block !== undefined;
      boundLedger = id;
      block = undefined;
      tx = undefined;
      return Promise.resolve(dropped);
    },
    save: sandbox.stub<[bigint, string], Promise<void>>().callsFake((savedBlock, savedTx) => {
      block = savedBlock;
      tx = savedTx;
      return Promise.resolve();
    }),
  };
}

/** Where a stream was opened from: a start block, or the checkpoint's position at the time. */
export interface Opening {
  readonly startBlock?: bigint;
  readonly after?: { readonly block?: bigint; readonly tx?: string };
}

export function openingOf(opened: {
  startBlock?: bigint;
  checkpoint?: { getBlockNumber(): bigint | undefined; getTransactionId(): string | undefined };
}): Opening {
  if (opened.checkpoint) {
    return {
      after: {
        block: opened.checkpoint.getBlockNumber(),
        tx: opened.checkpoint.getTransactionId(),
      },
    };
  }
  return opened.startBlock === undefined ? {} : { startBlock: opened.startBlock };
}

export function txOf(blockNumber: bigint): string {
  return `tx-${blockNumber}`;
}

export function firstBlockCreated(
  blockNumber: bigint,
  blockId: string,
  snapshot: readonly string[],
  mode: 'parallel' | 'relay' = 'parallel',
  threshold = 2,
): LedgerEvent {
  return {
    name: 'FirstBlockCreated',
    payload: {
      blockId,
      requester: 'Org1MSP',
      mode,
      participants: [...snapshot],
      threshold,
      deadline: '2099-01-01T00:00:00.000Z',
      sourceId: 'customers',
      records: 1,
      txId: txOf(blockNumber),
    },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

export function verdictRecorded(
  blockNumber: bigint,
  blockId: string,
  participant: string,
  result: VerdictResult = 'valid',
): LedgerEvent {
  return {
    name: 'VerdictRecorded',
    payload: {
      blockId,
      participant,
      result,
      reason: { valid: 'OK', invalid: 'HASH_MISMATCH', unverifiable: 'SOURCE_UNAVAILABLE' }[
        result
      ] as VerdictReason,
      txId: txOf(blockNumber),
    },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

export function outcomeDecided(blockNumber: bigint, blockId: string): LedgerEvent {
  return {
    name: 'OutcomeDecided',
    payload: { blockId, status: 'accepted', valid: 2, invalid: 0, txId: txOf(blockNumber) },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

/**
 * An entry of the contract's pending index as ListFirstBlocks returns it: the block's summary,
 * labelled with the index it was read from, whatever the block's live status.
 */
export function pendingItem(blockId: string, deadline: string): FirstBlockListItem {
  return {
    blockId,
    requester: 'Org1MSP',
    mode: 'parallel',
    sourceId: 'bank',
    records: 3,
    participants: 4,
    threshold: 2,
    deadline,
    createdAt: '2025-06-01T10:00:00.123456789Z',
    status: 'pending',
  };
}

/** What a participant reports after recording a valid verdict, or another given. */
export function recordedResult(
  body: VerdictBody = { result: 'valid', observedHash: '', reason: 'OK', attempts: 1 },
): VerificationResult {
  const input: VerdictInput = { ...body, signature: 'c2lnbmVk' };
  return {
    kind: 'recorded',
    input,
    verdict: {
      blockId: 'b',
      participant: 'Org2MSP',
      result: input.result,
      observedHash: input.observedHash,
      reason: input.reason,
      attempts: input.attempts,
      failedRecords: input.failedRecords ?? [],
      recordedAt: '2025-06-01T10:00:00Z',
      txId: 'tx-verdict',
    },
  };
}
