import './quiet-fabric-logs';
import { contracts } from '@corroborate/chaincode';
import { JSONSerializer } from 'fabric-contract-api';
import type { Iterators } from 'fabric-shim';
import { ChaincodeStub } from 'fabric-shim';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract';
import type { SinonStub, SinonStubbedInstance } from 'sinon';
import sinon from 'sinon';
import { verdictSigningPayload, verdictSubjectOf } from '@corroborate/protocol';
import type { StoredFirstBlock, VerdictBody } from '@corroborate/protocol';
import type { TestIdentity } from '../../support/identities';
import { signPayload } from '../../support/identities';

/** The ChaincodeStub methods the shim calls that its type declarations leave out. */
export type StubbedChaincodeStub = SinonStubbedInstance<ChaincodeStub> & {
  getBufferArgs: SinonStub;
};

export interface LedgerEvent {
  readonly name: string;
  readonly payload: unknown;
  readonly txId: string;
}

const serializers = {
  transaction: 'jsonSerializer',
  serializers: { jsonSerializer: JSONSerializer },
};

/** The world-state key the contract stores an object under, as the shim composes it. */
export function compositeKey(objectType: string, ...attributes: string[]): string {
  return ChaincodeStub.prototype.createCompositeKey(objectType, attributes);
}

function compareKeys(a: string, b: string): number {
  // Fabric orders keys by their UTF-8 bytes.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function newIterator(entries: Iterators.KV[]): Iterators.StateQueryIterator {
  let position = 0;
  return {
    next: () => {
      const value = entries[position++];
      return Promise.resolve(
        value === undefined
          ? ({ done: true } as Iterators.NextResult<Iterators.KV>)
          : { value, done: false },
      );
    },
    close: () => Promise.resolve(),
  };
}

/**
 * A single-peer ledger for contract tests: a sinon stub instance of fabric-shim's ChaincodeStub
 * over an in-memory world state. Like a peer, a transaction reads committed state only, its writes
 * and event are kept aside and committed only when the transaction succeeds, and the contract is
 * driven through fabric-shim's own contract dispatcher (argument marshalling, client identity).
 */
export class LedgerDouble {
  readonly world = new Map<string, Buffer>();
  readonly events: LedgerEvent[] = [];
  /** Transaction time in milliseconds since the epoch; tests move it forward. */
  now = Date.parse('2025-01-01T00:00:00.000Z');
  lastStub: StubbedChaincodeStub | undefined;
  readonly #chaincode: ChaincodeFromContract;
  #txCount = 0;

  /** Runs Corroborate's chaincode, or the contracts of another chaincode package. */
  constructor(
    chaincode: { readonly contracts: readonly unknown[]; readonly name: string } = {
      contracts,
      name: 'corroborate',
    },
  ) {
    this.#chaincode = new ChaincodeFromContract(
      [...chaincode.contracts],
      serializers,
      {},
      chaincode.name,
      '0.1.0',
    );
  }

  advance(milliseconds: number): void {
    this.now += milliseconds;
  }

  /** Invokes a transaction and commits its writes if it succeeds; a failure rejects with its message. */
  async submit(identity: TestIdentity, fn: string, ...args: string[]): Promise<string> {
    return this.#invoke(identity, fn, args, true);
  }

  /**
   * Signs a verdict (JSON of its body) as `identity`'s worker does, over the block stored under
   * `blockId` and the verdict, and returns RecordVerdict's argument. For a block not stored, the
   * signature is over a block of that id with no content; text that is not JSON is left as it is.
   */
  signVerdict(identity: TestIdentity, blockId: string, verdictJson: string): string {
    let body: VerdictBody;
    try {
      body = JSON.parse(verdictJson) as VerdictBody;
    } catch {
      return verdictJson; // Not JSON: the contract refuses it before any signature matters.
    }
    const stored = this.world.get(compositeKey('block', blockId));
    const subject = stored
      ? verdictSubjectOf(JSON.parse(stored.toString('utf8')) as StoredFirstBlock, identity.mspId)
      : {
          blockId,
          contentHash: '',
          participants: [],
          quorumRatio: '',
          participant: identity.mspId,
        };
    const signature = signPayload(identity, verdictSigningPayload(subject, body));
    return JSON.stringify({ ...body, signature });
  }

  /** RecordVerdict as `identity`, its verdict signed as its worker signs it (see signVerdict). */
  async recordVerdict(
    identity: TestIdentity,
    blockId: string,
    verdictJson: string,
  ): Promise<string> {
    return this.submit(
      identity,
      'RecordVerdict',
      blockId,
      this.signVerdict(identity, blockId, verdictJson),
    );
  }

  async recordVerdictJson<T>(
    identity: TestIdentity,
    blockId: string,
    verdictJson: string,
  ): Promise<T> {
    return JSON.parse(await this.recordVerdict(identity, blockId, verdictJson)) as T;
  }

  /** Invokes a transaction without committing anything, as a query does. */
  async evaluate(identity: TestIdentity, fn: string, ...args: string[]): Promise<string> {
    return this.#invoke(identity, fn, args, false);
  }

  async submitJson<T>(identity: TestIdentity, fn: string, ...args: string[]): Promise<T> {
    return JSON.parse(await this.submit(identity, fn, ...args)) as T;
  }

  async evaluateJson<T>(identity: TestIdentity, fn: string, ...args: string[]): Promise<T> {
    return JSON.parse(await this.evaluate(identity, fn, ...args)) as T;
  }

  /** A snapshot of the world state, to show that a refused transaction changed nothing. */
  snapshot(): Map<string, string> {
    return new Map([...this.world].map(([key, value]) => [key, value.toString('hex')]));
  }

  async #invoke(
    identity: TestIdentity,
    fn: string,
    args: string[],
    commit: boolean,
  ): Promise<string> {
    const txId = `tx${++this.#txCount}`;
    const stub = this.#newStub(identity, txId, [fn, ...args]);
    this.lastStub = stub;
    const writes = new Map<string, Buffer | undefined>();
    let event: LedgerEvent | undefined;
    stub.putState.callsFake((key: string, value: Uint8Array) => {
      writes.set(key, Buffer.from(value));
      return Promise.resolve();
    });
    stub.deleteState.callsFake((key: string) => {
      writes.set(key, undefined);
      return Promise.resolve();
    });
    stub.setEvent.callsFake((name: string, payload: Uint8Array) => {
      event = { name, payload: JSON.parse(Buffer.from(payload).toString('utf8')), txId };
    });

    const response = (await this.#chaincode.invokeFunctionality(stub)) as {
      status: number;
      message: string;
      payload?: Uint8Array;
    };
    if (response.status !== 200) {
      throw new Error(response.message);
    }
    if (commit) {
      for (const [key, value] of writes) {
        if (value === undefined) {
          this.world.delete(key);
        } else {
          this.world.set(key, value);
        }
      }
      if (event) {
        this.events.push(event);
      }
    }
    return Buffer.from(response.payload ?? []).toString('utf8');
  }

  #newStub(identity: TestIdentity, txId: string, args: string[]): StubbedChaincodeStub {
    const stub = sinon.createStubInstance(ChaincodeStub) as StubbedChaincodeStub;
    const seconds = Math.floor(this.now / 1000);
    const nanos = (this.now % 1000) * 1_000_000;
    stub.getBufferArgs.returns(args.map((arg) => Buffer.from(arg, 'utf8')));
    stub.getArgs.returns(args);
    stub.getFunctionAndParameters.returns({ fcn: args[0] ?? '', params: args.slice(1) });
    stub.getTxID.returns(txId);
    stub.getChannelID.returns('corroborate');
    stub.getCreator.returns({
      mspid: identity.mspId,
      idBytes: Buffer.from(identity.certificate, 'utf8'),
    });
    stub.getMspID.returns(identity.mspId);
    stub.getTxTimestamp.returns({
      seconds: { toString: () => String(seconds), toNumber: () => seconds } as never,
      nanos,
    });
    stub.createCompositeKey.callsFake((objectType: string, attributes: string[]) =>
      ChaincodeStub.prototype.createCompositeKey.call(stub, objectType, attributes),
    );
    stub.splitCompositeKey.callsFake((key: string) =>
      ChaincodeStub.prototype.splitCompositeKey.call(stub, key),
    );
    stub.getState.callsFake((key: string) =>
      Promise.resolve(Buffer.from(this.world.get(key) ?? [])),
    );
    stub.getStateByPartialCompositeKey.callsFake((objectType: string, attributes: string[]) => {
      const iterator = newIterator(
        this.#entriesWithPrefix(stub.createCompositeKey(objectType, attributes)),
      );
      return Object.assign(Promise.resolve(iterator), {
        async *[Symbol.asyncIterator]() {
          for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
            yield result.value;
          }
        },
      });
    });
    stub.getStateByPartialCompositeKeyWithPagination.callsFake(
      (objectType: string, attributes: string[], pageSize: number, bookmark = '') => {
        const entries = this.#entriesWithPrefix(
          stub.createCompositeKey(objectType, attributes),
        ).filter((entry) => bookmark === '' || compareKeys(entry.key, bookmark) >= 0);
        const page = entries.slice(0, pageSize);
        // Like the peer, the bookmark is where the next page starts, empty once all were read.
        const next = entries[pageSize];
        // An empty last page serialises to empty metadata, which the shim hands on as none.
        const result = {
          iterator: newIterator(page),
          metadata:
            page.length === 0 && next === undefined
              ? undefined
              : { fetchedRecordsCount: page.length, bookmark: next?.key ?? '' },
        };
        return Object.assign(Promise.resolve(result), {
          // eslint-disable-next-line @typescript-eslint/require-await
          async *[Symbol.asyncIterator]() {
            yield* page;
          },
        });
      },
    );
    return stub;
  }

  #entriesWithPrefix(prefix: string): Iterators.KV[] {
    return [...this.world.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort(compareKeys)
      .map((key) => ({
        namespace: 'corroborate',
        key,
        value: Buffer.from(this.world.get(key) ?? []),
      }));
  }
}
