import type { Context } from 'fabric-contract-api';
import { ContractError } from './errors';
import type { ChaincodeStub, Iterators } from 'fabric-shim-api';
import { canonicalJson } from '@corroborate/protocol';
import type { LedgerEventName, LedgerEventPayloads } from '@corroborate/protocol';
import type {
  FirstBlockListItem,
  FirstBlockMeta,
  FirstBlockPage,
  FirstBlockSummary,
  Outcome,
  ParticipantSet,
  Proposal,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';
import type { Attestation, RecheckRound } from '@corroborate/protocol';
import type { OutcomeStatus } from '@corroborate/protocol';
import type { Instant } from '@corroborate/protocol';
import { formatInstant, instantFromTimestamp } from '@corroborate/protocol';

/** Composite-key object types: one key per thing, one family per kind of thing. */
const keyTypes = {
  participants: 'participants',
  proposal: 'proposal',
  block: 'block',
  blockMeta: 'blockmeta',
  verdict: 'verdict',
  outcome: 'outcome',
  status: 'status',
  recheckCount: 'recheckcount',
  recheckRound: 'recheckround',
  attestation: 'attestation',
} as const;

/** Rounds are zero-padded in keys, so that a range over a block's keys lists them in order. */
function roundKeyPart(round: number): string {
  return String(round).padStart(10, '0');
}

/**
 * Typed access to world state, events and transaction facts: the only module that touches
 * `ctx.stub`. Values are stored as canonical JSON so every endorsing peer writes identical bytes.
 */
export class Ledger {
  readonly #stub: ChaincodeStub;

  constructor(ctx: Context) {
    this.#stub = ctx.stub;
  }

  /** The transaction id. */
  txId(): string {
    return this.#stub.getTxID();
  }

  /** The transaction timestamp chosen by the client and signed in the proposal: the only clock. */
  txTime(): Instant {
    const timestamp = this.#stub.getTxTimestamp();
    return instantFromTimestamp(timestamp.seconds, timestamp.nanos);
  }

  /** The transaction timestamp as an ISO 8601 UTC string. */
  txTimeText(): string {
    return formatInstant(this.txTime());
  }

  async getParticipants(): Promise<ParticipantSet | undefined> {
    return this.#get<ParticipantSet>(this.#key(keyTypes.participants, []));
  }

  async putParticipants(set: ParticipantSet): Promise<void> {
    await this.#put(this.#key(keyTypes.participants, []), set);
  }

  async getProposal(proposalId: string): Promise<Proposal | undefined> {
    return this.#get<Proposal>(this.#key(keyTypes.proposal, [proposalId]));
  }

  /** Every proposal, in proposal-id order: governance changes are few. */
  async listProposals(): Promise<Proposal[]> {
    const iterator = await this.#stub.getStateByPartialCompositeKey(keyTypes.proposal, []);
    try {
      return (await drain(iterator)).map((kv) => decode<Proposal>(kv.value));
    } finally {
      await iterator.close();
    }
  }

  async putProposal(proposal: Proposal): Promise<void> {
    await this.#put(this.#key(keyTypes.proposal, [proposal.proposalId]), proposal);
  }

  async getBlock(blockId: string): Promise<StoredFirstBlock | undefined> {
    return this.#get<StoredFirstBlock>(this.#key(keyTypes.block, [blockId]));
  }

  /** The block exactly as stored: canonical JSON, for a caller that returns it unchanged. */
  async getBlockJson(blockId: string): Promise<string | undefined> {
    const bytes = await this.#getBytes(this.#key(keyTypes.block, [blockId]));
    return bytes && Buffer.from(bytes).toString('utf8');
  }

  /** Stores `block` as `json`, which must be `canonicalJson(block)` (see storedFirstBlockJson). */
  async putBlockJson(block: StoredFirstBlock, json: string): Promise<void> {
    await this.#stub.putState(
      this.#key(keyTypes.block, [block.content.id]),
      Buffer.from(json, 'utf8'),
    );
  }

  /**
   * The small part of a block that verdicts and outcomes need, beside the block itself: written
   * once with the block and never changed, so reading it conflicts with nothing.
   */
  async getBlockMeta(blockId: string): Promise<FirstBlockMeta | undefined> {
    return this.#get<FirstBlockMeta>(this.#key(keyTypes.blockMeta, [blockId]));
  }

  async putBlockMeta(meta: FirstBlockMeta): Promise<void> {
    await this.#put(this.#key(keyTypes.blockMeta, [meta.blockId]), meta);
  }

  /** One key per (block, participant): concurrent verdicts never write the same key. */
  async getVerdict(blockId: string, participant: string): Promise<Verdict | undefined> {
    return this.#get<Verdict>(this.#key(keyTypes.verdict, [blockId, participant]));
  }

  async putVerdict(verdict: Verdict): Promise<void> {
    await this.#put(this.#key(keyTypes.verdict, [verdict.blockId, verdict.participant]), verdict);
  }

  async getOutcome(blockId: string): Promise<Outcome | undefined> {
    return this.#get<Outcome>(this.#key(keyTypes.outcome, [blockId]));
  }

  async putOutcome(outcome: Outcome): Promise<void> {
    await this.#put(this.#key(keyTypes.outcome, [outcome.blockId]), outcome);
  }

  /** How many re-verification rounds the block has had (0 when none). */
  async getRecheckCount(blockId: string): Promise<number> {
    const value = await this.#get<{ rounds: number }>(this.#key(keyTypes.recheckCount, [blockId]));
    return value?.rounds ?? 0;
  }

  async putRecheckCount(blockId: string, rounds: number): Promise<void> {
    await this.#put(this.#key(keyTypes.recheckCount, [blockId]), { blockId, rounds });
  }

  /** A round's own key, written once when it opens: attesting reads it and conflicts with nothing. */
  async getRecheckRound(blockId: string, round: number): Promise<RecheckRound | undefined> {
    return this.#get<RecheckRound>(
      this.#key(keyTypes.recheckRound, [blockId, roundKeyPart(round)]),
    );
  }

  async putRecheckRound(round: RecheckRound): Promise<void> {
    await this.#put(
      this.#key(keyTypes.recheckRound, [round.blockId, roundKeyPart(round.round)]),
      round,
    );
  }

  /** Every round of a block, oldest first. */
  async listRecheckRounds(blockId: string): Promise<RecheckRound[]> {
    return this.#list<RecheckRound>(keyTypes.recheckRound, [blockId]);
  }

  /** One key per (block, round, participant): participants never write the same key. */
  async getAttestation(
    blockId: string,
    round: number,
    participant: string,
  ): Promise<Attestation | undefined> {
    return this.#get<Attestation>(
      this.#key(keyTypes.attestation, [blockId, roundKeyPart(round), participant]),
    );
  }

  async putAttestation(attestation: Attestation): Promise<void> {
    await this.#put(
      this.#key(keyTypes.attestation, [
        attestation.blockId,
        roundKeyPart(attestation.round),
        attestation.participant,
      ]),
      attestation,
    );
  }

  /** Every attestation on a block, by round then participant. */
  async listAttestations(blockId: string): Promise<Attestation[]> {
    return this.#list<Attestation>(keyTypes.attestation, [blockId]);
  }

  /** Files a block under a status in the listing index, moving it from its previous status. */
  async putStatus(
    status: OutcomeStatus,
    summary: FirstBlockSummary,
    previous?: OutcomeStatus,
  ): Promise<void> {
    if (previous !== undefined) {
      await this.#stub.deleteState(this.#key(keyTypes.status, [previous, summary.blockId]));
    }
    await this.#put(this.#key(keyTypes.status, [status, summary.blockId]), summary);
  }

  /** One page of the status index, in block-id order. */
  async listByStatus(
    status: OutcomeStatus,
    pageSize: number,
    bookmark: string,
  ): Promise<FirstBlockPage> {
    // A bookmark is the key to resume from; one outside this index would page through raw state.
    if (bookmark !== '' && !bookmark.startsWith(this.#key(keyTypes.status, [status]))) {
      throw new ContractError('INVALID_ARGUMENT', `bookmark: not a position in the ${status} list`);
    }
    const { iterator, metadata } = await this.#stub.getStateByPartialCompositeKeyWithPagination(
      keyTypes.status,
      [status],
      pageSize,
      bookmark,
    );
    const items: FirstBlockListItem[] = [];
    try {
      for (const kv of await drain(iterator)) {
        const summary = decode<FirstBlockSummary>(kv.value);
        items.push({ ...summary, status });
      }
    } finally {
      await iterator.close();
    }
    // The peer sends no pagination metadata for an empty page, and the shim then gives none.
    return { items, bookmark: metadata?.bookmark ?? '' };
  }

  /** Sets the transaction's event; Fabric keeps one event per transaction. */
  setEvent<Name extends LedgerEventName>(name: Name, payload: LedgerEventPayloads[Name]): void {
    this.#stub.setEvent(name, Buffer.from(canonicalJson(payload), 'utf8'));
  }

  async #list<T>(objectType: string, attributes: string[]): Promise<T[]> {
    const iterator = await this.#stub.getStateByPartialCompositeKey(objectType, attributes);
    try {
      return (await drain(iterator)).map((kv) => decode<T>(kv.value));
    } finally {
      await iterator.close();
    }
  }

  #key(objectType: string, attributes: string[]): string {
    return this.#stub.createCompositeKey(objectType, attributes);
  }

  async #get<T>(key: string): Promise<T | undefined> {
    const bytes = await this.#getBytes(key);
    return bytes && decode<T>(bytes);
  }

  async #getBytes(key: string): Promise<Uint8Array | undefined> {
    const bytes = await this.#stub.getState(key);
    return bytes === undefined || bytes === null || bytes.length === 0 ? undefined : bytes;
  }

  async #put(key: string, value: object): Promise<void> {
    await this.#stub.putState(key, Buffer.from(canonicalJson(value), 'utf8'));
  }
}

function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

async function drain(iterator: Iterators.StateQueryIterator): Promise<Iterators.KV[]> {
  const entries: Iterators.KV[] = [];
  for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
    entries.push(result.value);
  }
  return entries;
}
