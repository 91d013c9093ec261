import {
  decodeBlockEvents,
  type Attestation,
  type AttestationInput,
  type RecheckHistory,
  type RecheckRound,
  type FirstBlockContent,
  type FirstBlockPage,
  type FirstBlockView,
  type BlockEventBody,
  type OutcomeStatus,
  type OutcomeView,
  type ParticipantChange,
  type ParticipantSet,
  type Proposal,
  type StoredFirstBlock,
  type Verdict,
  type VerdictInput,
} from '@corroborate/protocol';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  StatusCode,
  type Checkpoint,
  type CloseableAsyncIterable,
  type Contract,
  type Network,
  type Status,
  type SubmittedTransaction,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { CorroborateError } from '../errors';
import type { FabricConnection, SigningGateway } from './connection';

export interface Committed<T> {
  readonly result: T;
  readonly transactionId: string;
  readonly blockNumber: bigint;
}

/**
 * One event about one block (or the participant set). A shared transaction's event stands for one
 * such event per block it names, all with its transaction id; `endsTransaction` is false on every
 * one but the last, so that a checkpoint is only ever taken past a whole transaction.
 */
export type LedgerEvent = BlockEventBody & {
  readonly blockNumber: bigint;
  readonly transactionId: string;
  readonly endsTransaction?: boolean;
};

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

/**
 * How a submission waits for its commit. A transaction the orderer accepted can still be lost (a
 * Raft leader that dies before it orders it); its commit status then never arrives. So each wait
 * has a deadline, sized to the ordering service's block cutting and a leader election, after
 * which the same signed transaction is submitted again.
 */
export interface CommitPolicy {
  /** How long one wait for the commit status lasts, in milliseconds. */
  readonly commitTimeoutMs: number;
  /** How many times a transaction without a commit status is submitted again before giving up. */
  readonly resubmissions: number;
}

/** The defaults of {@link CommitPolicy}, as the member configuration has them. */
export const defaultCommitPolicy: CommitPolicy = { commitTimeoutMs: 10_000, resubmissions: 3 };

/** What happened to a submission on its way to a commit, for logs and metrics. */
export type CommitEvent =
  | {
      /**
       * No commit status within the deadline: the same signed transaction was submitted again
       * (`error` when that submission was refused; the earlier ones may still commit).
       */
      readonly kind: 'resubmitted';
      readonly transaction: string;
      readonly transactionId: string;
      /** 1 for the first resubmission. */
      readonly resubmission: number;
      readonly error?: unknown;
    }
  | {
      /** A copy was refused as a duplicate of its transaction id: the transaction is in. */
      readonly kind: 'duplicate';
      readonly transaction: string;
      readonly transactionId: string;
    }
  | {
      /**
       * Invalidated with ENDORSEMENT_POLICY_FAILURE: the channel's configuration (its members, so
       * its endorsement policy) changed between endorsement and validation. The transaction wrote
       * nothing, so it was endorsed again under the new policy and submitted as a new one.
       */
      readonly kind: 'reendorsed';
      readonly transaction: string;
      readonly transactionId: string;
    }
  | {
      /** Still no commit status after every resubmission: given up (`COMMIT_UNCONFIRMED`). */
      readonly kind: 'unconfirmed';
      readonly transaction: string;
      readonly transactionId: string;
      readonly resubmissions: number;
    };

export interface LedgerOptions {
  readonly commit?: CommitPolicy;
  /** Told of each resubmission, duplicate and give-up; the facade itself logs nothing. */
  readonly onCommitEvent?: (event: CommitEvent) => void;
  /** The clock the commit deadlines are measured on, in milliseconds (default `Date.now`). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

// A transaction endorsed just before a channel configuration update changed the endorsement
// policy is endorsed again under the new one, this many times in all at most.
const maxEndorsements = 3;

// A peer that cannot be reached is asked again for the commit status after this pause, within the
// same deadline.
const statusRetryPauseMs = 1000;
const unreachableCodes: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

/**
 * The one place that talks to the Corroborate contract: it encodes every argument, decodes every
 * result and waits for commits. Routes, workers and the CLI see typed values only.
 */
export interface Ledger {
  readonly mspId: string;
  /**
   * Proposes, or approves, the initialisation of the participant set with these members: it is
   * applied once the admins of a strict majority of them have asked for the same set and ratio.
   */
  initParticipants(mspIds: readonly string[], quorumRatio: string): Promise<Proposal>;
  getParticipants(): Promise<ParticipantSet>;
  proposeParticipantChange(proposalId: string, change: ParticipantChange): Promise<Proposal>;
  approveParticipantChange(proposalId: string): Promise<Proposal>;
  getParticipantChange(proposalId: string): Promise<Proposal>;
  /** Every proposal, open or not, in proposal-id order. */
  listParticipantChanges(): Promise<Proposal[]>;
  /**
   * Stores a signed first block. `saltSeed` is the seed of a `corroborate-v2` block's field salts,
   * which goes on the ledger beside the signed content; '' for a `corroborate-v1` block.
   */
  createFirstBlock(
    content: FirstBlockContent,
    signature: string,
    saltSeed: string,
  ): Promise<Committed<StoredFirstBlock>>;
  recordVerdict(blockId: string, verdict: VerdictInput): Promise<Committed<Verdict>>;
  /** Records this participant's verdicts on several blocks in one transaction (RecordVerdicts). */
  recordVerdicts(
    items: readonly { blockId: string; verdict: VerdictInput }[],
  ): Promise<Committed<Verdict[]>>;
  /**
   * Records a decided outcome. `voters` names the participants whose recorded verdicts decide it;
   * the contract then reads only their verdicts, so a late verdict cannot invalidate the record.
   * Without voters every participant's verdict is read (the only way to record expiry).
   */
  finalizeOutcome(blockId: string, voters?: readonly string[]): Promise<Committed<OutcomeView>>;
  /** Records the outcomes of several blocks in one transaction (FinalizeOutcomes). */
  finalizeOutcomes(
    items: readonly { blockId: string; voters?: readonly string[] }[],
  ): Promise<Committed<OutcomeView[]>>;
  getFirstBlock(blockId: string): Promise<FirstBlockView>;
  /** Opens the next re-verification round of an accepted block (refused otherwise). */
  requestRecheck(blockId: string): Promise<Committed<RecheckRound>>;
  /** Records this participant's signed attestation in a round. */
  recordAttestation(
    blockId: string,
    round: number,
    attestation: AttestationInput,
  ): Promise<Committed<Attestation>>;
  /** Every re-verification round of a block with its attestations. */
  getRechecks(blockId: string): Promise<RecheckHistory>;
  listFirstBlocks(
    status: OutcomeStatus,
    pageSize: number,
    bookmark: string,
  ): Promise<FirstBlockPage>;
  /** Contract events from a checkpoint (exclusive) or a block (inclusive), in ledger order. */
  events(options: { startBlock?: bigint; checkpoint?: Checkpoint }): Promise<EventStream>;
  /** The number of the ledger block that holds a transaction. */
  blockNumberOf(transactionId: string): Promise<bigint>;
  /** The height of the channel's ledger. */
  height(): Promise<bigint>;
  /** Identifies the channel's ledger: the hash of its genesis block's data, hex. */
  ledgerId(): Promise<string>;
}

class ContractLedger implements Ledger {
  readonly mspId: string;
  readonly #network: Network;
  readonly #contract: Contract;
  readonly #qscc: Contract;
  readonly #chaincode: string;
  readonly #channel: string;
  readonly #commit: CommitPolicy;
  readonly #onCommitEvent: (event: CommitEvent) => void;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    connection: FabricConnection,
    signing: SigningGateway,
    options: Readonly<LedgerOptions>,
  ) {
    this.#commit = options.commit ?? defaultCommitPolicy;
    this.#onCommitEvent = options.onCommitEvent ?? (() => undefined);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms));
    this.mspId = signing.identity.mspId;
    this.#channel = connection.profile.channel;
    this.#chaincode = connection.profile.chaincode;
    this.#network = signing.gateway.getNetwork(this.#channel);
    this.#contract = this.#network.getContract(this.#chaincode);
    this.#qscc = this.#network.getContract('qscc');
  }

  async initParticipants(mspIds: readonly string[], quorumRatio: string): Promise<Proposal> {
    const committed = await this.#submit<Proposal>('InitParticipants', [
      JSON.stringify(mspIds),
      quorumRatio,
    ]);
    return committed.result;
  }

  getParticipants(): Promise<ParticipantSet> {
    return this.#evaluate<ParticipantSet>('GetParticipants', []);
  }

  async proposeParticipantChange(proposalId: string, change: ParticipantChange): Promise<Proposal> {
    const committed = await this.#submit<Proposal>('ProposeParticipantChange', [
      proposalId,
      JSON.stringify(change),
    ]);
    return committed.result;
  }

  async approveParticipantChange(proposalId: string): Promise<Proposal> {
    const committed = await this.#submit<Proposal>('ApproveParticipantChange', [proposalId]);
    return committed.result;
  }

  getParticipantChange(proposalId: string): Promise<Proposal> {
    return this.#evaluate<Proposal>('GetParticipantChange', [proposalId]);
  }

  listParticipantChanges(): Promise<Proposal[]> {
    return this.#evaluate<Proposal[]>('ListParticipantChanges', []);
  }

  createFirstBlock(
    content: FirstBlockContent,
    signature: string,
    saltSeed: string,
  ): Promise<Committed<StoredFirstBlock>> {
    return this.#submit<StoredFirstBlock>('CreateFirstBlock', [
      JSON.stringify(content),
      signature,
      saltSeed,
    ]);
  }

  recordVerdict(blockId: string, verdict: VerdictInput): Promise<Committed<Verdict>> {
    return this.#submit<Verdict>('RecordVerdict', [blockId, JSON.stringify(verdict)]);
  }

  finalizeOutcome(blockId: string, voters?: readonly string[]): Promise<Committed<OutcomeView>> {
    return this.#submit<OutcomeView>('FinalizeOutcome', [
      blockId,
      voters && voters.length > 0 ? JSON.stringify(voters) : '',
    ]);
  }

  recordVerdicts(
    items: readonly { blockId: string; verdict: VerdictInput }[],
  ): Promise<Committed<Verdict[]>> {
    return this.#submit<Verdict[]>('RecordVerdicts', [JSON.stringify(items)]);
  }

  finalizeOutcomes(
    items: readonly { blockId: string; voters?: readonly string[] }[],
  ): Promise<Committed<OutcomeView[]>> {
    return this.#submit<OutcomeView[]>('FinalizeOutcomes', [
      JSON.stringify(
        items.map(({ blockId, voters }) =>
          voters && voters.length > 0 ? { blockId, voters } : { blockId },
        ),
      ),
    ]);
  }

  getFirstBlock(blockId: string): Promise<FirstBlockView> {
    return this.#evaluate<FirstBlockView>('GetFirstBlock', [blockId]);
  }

  requestRecheck(blockId: string): Promise<Committed<RecheckRound>> {
    return this.#submit<RecheckRound>('RequestRecheck', [blockId]);
  }

  recordAttestation(
    blockId: string,
    round: number,
    attestation: AttestationInput,
  ): Promise<Committed<Attestation>> {
    return this.#submit<Attestation>('RecordAttestation', [
      blockId,
      String(round),
      JSON.stringify(attestation),
    ]);
  }

  getRechecks(blockId: string): Promise<RecheckHistory> {
    return this.#evaluate<RecheckHistory>('GetRechecks', [blockId]);
  }

  listFirstBlocks(
    status: OutcomeStatus,
    pageSize: number,
    bookmark: string,
  ): Promise<FirstBlockPage> {
    return this.#evaluate<FirstBlockPage>('ListFirstBlocks', [status, String(pageSize), bookmark]);
  }

  async events(options: { startBlock?: bigint; checkpoint?: Checkpoint }): Promise<EventStream> {
    const source = await this.#network.getChaincodeEvents(this.#chaincode, options);
    return decodeEvents(source);
  }

  async blockNumberOf(transactionId: string): Promise<bigint> {
    const bytes = await this.#qscc.evaluateTransaction(
      'GetBlockByTxID',
      this.#channel,
      transactionId,
    );
    const header = common.Block.deserializeBinary(bytes).getHeader();
    return BigInt(header?.getNumber() ?? 0);
  }

  async height(): Promise<bigint> {
    const bytes = await this.#qscc.evaluateTransaction('GetChainInfo', this.#channel);
    return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
  }

  async ledgerId(): Promise<string> {
    const bytes = await this.#qscc.evaluateTransaction('GetBlockByNumber', this.#channel, '0');
    const dataHash = common.Block.deserializeBinary(bytes).getHeader()?.getDataHash_asU8();
    return Buffer.from(dataHash ?? []).toString('hex');
  }

  async #evaluate<T>(name: string, args: string[]): Promise<T> {
    const bytes = await this.#contract.evaluate(name, { arguments: args });
    return decode<T>(bytes);
  }

  /**
   * Endorses, submits and waits for the commit, resubmitting the same signed transaction when its
   * commit status does not come in time (see {@link CommitPolicy}).
   */
  async #submit<T>(name: string, args: string[]): Promise<Committed<T>> {
    for (let endorsement = 1; ; endorsement++) {
      const transaction = await this.#contract.newProposal(name, { arguments: args }).endorse();
      const result = decode<T>(transaction.getResult());
      const status = await this.#commitOf(name, transaction);
      if (status.successful) {
        return { result, transactionId: status.transactionId, blockNumber: status.blockNumber };
      }
      if (status.code === StatusCode.ENDORSEMENT_POLICY_FAILURE && endorsement < maxEndorsements) {
        this.#onCommitEvent({
          kind: 'reendorsed',
          transaction: name,
          transactionId: status.transactionId,
        });
        continue;
      }
      throw new CommitError({
        code: status.code,
        transactionId: status.transactionId,
        message: `transaction ${status.transactionId} failed to commit with status ${status.code}`,
      });
    }
  }

  async #commitOf(name: string, transaction: Transaction): Promise<Status> {
    const transactionId = transaction.getTransactionId();
    const { commitTimeoutMs, resubmissions } = this.#commit;
    // A first submission that fails is the caller's to retry, as it always was: nothing shows that
    // the orderer took it.
    let submitted = await transaction.submit();
    for (let resubmission = 1; ; resubmission++) {
      const status = await this.#statusWithin(submitted, commitTimeoutMs);
      if (status?.code === StatusCode.DUPLICATE_TXID) {
        this.#onCommitEvent({ kind: 'duplicate', transaction: name, transactionId });
        // The peer's index answers for the first copy of a transaction id, so asking again gives
        // that copy's own validation; with no other answer, the transaction is in all the same.
        const first = await this.#statusWithin(submitted, commitTimeoutMs);
        return first !== undefined && first.code !== StatusCode.DUPLICATE_TXID
          ? first
          : { ...status, code: StatusCode.VALID, successful: true };
      }
      if (status !== undefined) return status;
      if (resubmission > resubmissions) {
        this.#onCommitEvent({
          kind: 'unconfirmed',
          transaction: name,
          transactionId,
          resubmissions,
        });
        throw new CorroborateError(
          'COMMIT_UNCONFIRMED',
          `transaction ${transactionId} (${name}) has no commit status after ${resubmissions + 1} submission(s) of ${commitTimeoutMs} ms each; it may still commit`,
          { transactionId },
        );
      }
      // The same signed envelope, so that the ledger takes at most one copy of it: a second copy
      // is refused by its transaction id, never applied twice.
      try {
        submitted = await transaction.submit();
        this.#onCommitEvent({
          kind: 'resubmitted',
          transaction: name,
          transactionId,
          resubmission,
        });
      } catch (error) {
        // Refused or unreachable, the earlier copies may still commit: keep waiting for them.
        this.#onCommitEvent({
          kind: 'resubmitted',
          transaction: name,
          transactionId,
          resubmission,
          error,
        });
      }
    }
  }

  /**
   * The commit status, or `undefined` when it has not come within `timeoutMs`. A peer that cannot
   * be reached is asked again within the same time.
   */
  async #statusWithin(
    submitted: SubmittedTransaction,
    timeoutMs: number,
  ): Promise<Status | undefined> {
    const until = this.#now() + timeoutMs;
    for (;;) {
      const remaining = until - this.#now();
      if (remaining <= 0) return undefined;
      try {
        return await submitted.getStatus({ deadline: Date.now() + remaining });
      } catch (error) {
        if (!(error instanceof CommitStatusError)) throw error;
        if (error.code === (GrpcStatus.DEADLINE_EXCEEDED as number)) return undefined;
        if (!unreachableCodes.has(error.code)) throw error;
        await this.#sleep(Math.min(statusRetryPauseMs, remaining));
      }
    }
  }
}

function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

function decodeEvents(
  source: CloseableAsyncIterable<{
    blockNumber: bigint;
    transactionId: string;
    eventName: string;
    payload: Uint8Array;
  }>,
): EventStream {
  return {
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      for await (const event of source) {
        const bodies = decodeBlockEvents(
          event.eventName,
          Buffer.from(event.payload).toString('utf8'),
        );
        for (const [index, body] of bodies.entries()) {
          yield {
            ...body,
            blockNumber: event.blockNumber,
            transactionId: event.transactionId,
            endsTransaction: index === bodies.length - 1,
          };
        }
      }
    },
  };
}

/**
 * The contract as the member's client identity sees it. Every submission waits for its commit
 * under `options.commit`.
 */
export function newLedger(
  connection: FabricConnection,
  options: Readonly<LedgerOptions> = {},
): Ledger {
  return new ContractLedger(connection, connection, options);
}

/**
 * The contract as the member's admin submits to it, for governance; `undefined` when the
 * connection profile names no admin identity.
 */
export function newAdminLedger(
  connection: FabricConnection,
  options: Readonly<LedgerOptions> = {},
): Ledger | undefined {
  return connection.admin && new ContractLedger(connection, connection.admin, options);
}
