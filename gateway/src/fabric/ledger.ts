import {
  decodeLedgerEvent,
  type FirstBlockContent,
  type FirstBlockPage,
  type FirstBlockView,
  type LedgerEventBody,
  type OutcomeStatus,
  type OutcomeView,
  type ParticipantChange,
  type ParticipantSet,
  type Proposal,
  type StoredFirstBlock,
  type Verdict,
  type VerdictInput,
} from '@corroborate/protocol';
import {
  CommitError,
  type Checkpoint,
  type CloseableAsyncIterable,
  type Contract,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import type { FabricConnection } from './connection';

export interface Committed<T> {
  readonly result: T;
  readonly transactionId: string;
  readonly blockNumber: bigint;
}

/** A contract event decoded into its typed payload, with where the ledger holds it. */
export type LedgerEvent = LedgerEventBody & {
  readonly blockNumber: bigint;
  readonly transactionId: string;
};

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

/**
 * The one place that talks to the Corroborate contract: it encodes every argument, decodes every
 * result and waits for commits. Routes, workers and the CLI see typed values only.
 */
export interface Ledger {
  readonly mspId: string;
  initParticipants(mspIds: readonly string[], quorumRatio: string): Promise<ParticipantSet>;
  getParticipants(): Promise<ParticipantSet>;
  proposeParticipantChange(proposalId: string, change: ParticipantChange): Promise<Proposal>;
  approveParticipantChange(proposalId: string): Promise<Proposal>;
  getParticipantChange(proposalId: string): Promise<Proposal>;
  /** Every proposal, open or not, in proposal-id order. */
  listParticipantChanges(): Promise<Proposal[]>;
  createFirstBlock(
    content: FirstBlockContent,
    signature: string,
  ): Promise<Committed<StoredFirstBlock>>;
  recordVerdict(blockId: string, verdict: VerdictInput): Promise<Committed<Verdict>>;
  /**
   * Records a decided outcome. `voters` names the participants whose recorded verdicts decide it;
   * the contract then reads only their verdicts, so a late verdict cannot invalidate the record.
   * Without voters every participant's verdict is read (the only way to record expiry).
   */
  finalizeOutcome(blockId: string, voters?: readonly string[]): Promise<Committed<OutcomeView>>;
  getFirstBlock(blockId: string): Promise<FirstBlockView>;
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

  constructor(connection: FabricConnection) {
    this.mspId = connection.identity.mspId;
    this.#channel = connection.profile.channel;
    this.#chaincode = connection.profile.chaincode;
    this.#network = connection.gateway.getNetwork(this.#channel);
    this.#contract = this.#network.getContract(this.#chaincode);
    this.#qscc = this.#network.getContract('qscc');
  }

  async initParticipants(mspIds: readonly string[], quorumRatio: string): Promise<ParticipantSet> {
    const committed = await this.#submit<ParticipantSet>('InitParticipants', [
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
  ): Promise<Committed<StoredFirstBlock>> {
    return this.#submit<StoredFirstBlock>('CreateFirstBlock', [JSON.stringify(content), signature]);
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

  getFirstBlock(blockId: string): Promise<FirstBlockView> {
    return this.#evaluate<FirstBlockView>('GetFirstBlock', [blockId]);
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

  async #submit<T>(name: string, args: string[]): Promise<Committed<T>> {
    const submitted = await this.#contract.submitAsync(name, { arguments: args });
    const result = decode<T>(submitted.getResult());
    const status = await submitted.getStatus();
    if (!status.successful) {
      throw new CommitError({
        code: status.code,
        transactionId: status.transactionId,
        message: `transaction ${status.transactionId} failed to commit with status ${status.code}`,
      });
    }
    return { result, transactionId: status.transactionId, blockNumber: status.blockNumber };
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
        const body = decodeLedgerEvent(
          event.eventName,
          Buffer.from(event.payload).toString('utf8'),
        );
        if (body === undefined) continue;
        yield { ...body, blockNumber: event.blockNumber, transactionId: event.transactionId };
      }
    },
  };
}

export function newLedger(connection: FabricConnection): Ledger {
  return new ContractLedger(connection);
}
