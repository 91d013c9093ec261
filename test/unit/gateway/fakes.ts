import * as grpc from '@grpc/grpc-js';
import { canonicalRecord, type CanonicalRecord } from '@corroborate/protocol';
import { CommitError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import type * as sinon from 'sinon';
import type { Ledger } from '../../../gateway/src/fabric/ledger';
import type {
  ConnectorKind,
  ReadOptions,
  ReadParameter,
  SourceConnector,
  SourceRegistry,
} from '../../../gateway/src/sources/source';
import { SourceError } from '../../../gateway/src/sources/source';
import { rows } from '../receipt/fixture';

/** The ledger facade with every call a stub; a call a test did not arrange rejects loudly. */
export type StubbedLedger = {
  -readonly [K in Exclude<keyof Ledger, 'mspId'>]: sinon.SinonStub<
    Parameters<Ledger[K]>,
    ReturnType<Ledger[K]>
  >;
} & { readonly mspId: string };

const ledgerCalls = [
  'initParticipants',
  'getParticipants',
  'proposeParticipantChange',
  'approveParticipantChange',
  'getParticipantChange',
  'listParticipantChanges',
  'createFirstBlock',
  'recordVerdict',
  'recordVerdicts',
  'finalizeOutcome',
  'finalizeOutcomes',
  'getFirstBlock',
  'requestRecheck',
  'recordAttestation',
  'getRechecks',
  'listFirstBlocks',
  'events',
  'blockNumberOf',
  'height',
  'ledgerId',
] as const satisfies ReadonlyArray<Exclude<keyof Ledger, 'mspId'>>;

export function newStubbedLedger(sandbox: sinon.SinonSandbox, mspId = 'Org1MSP'): StubbedLedger {
  const ledger: Record<string, unknown> = { mspId };
  for (const name of ledgerCalls) {
    ledger[name] = sandbox.stub().rejects(new Error(`unexpected ledger call: ${name}`));
  }
  return ledger as StubbedLedger;
}

/**
 * A facade that forwards every call to whichever ledger `current` names, so that a server built
 * once can meet fresh stubs in every test.
 */
export function newForwardingLedger(current: () => Ledger): Ledger {
  const ledger: Record<string, unknown> = {};
  for (const name of ledgerCalls) {
    ledger[name] = (...args: unknown[]): unknown =>
      (current()[name] as (...forwarded: unknown[]) => unknown)(...args);
  }
  Object.defineProperty(ledger, 'mspId', { get: () => current().mspId, enumerable: true });
  return ledger as unknown as Ledger;
}

/** A gRPC ServiceError as @grpc/grpc-js delivers one. */
export function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), {
    code,
    details,
    metadata: new grpc.Metadata(),
  });
}

/** What a peer answers when the contract refuses: the code at the start of the chaincode message. */
export function chaincodeError(message: string, transactionId = 'tx-refused'): EndorseError {
  const cause = serviceError(
    grpc.status.ABORTED,
    'failed to endorse transaction, see attached details for more info',
  );
  return new EndorseError({
    code: grpc.status.ABORTED,
    details: [
      {
        address: 'peer0.org1.example.com:7051',
        mspId: 'Org1MSP',
        message: `chaincode response 500, ${message}`,
      },
    ],
    cause,
    transactionId,
    message: cause.message,
  });
}

export function unreachablePeer(): GatewayError {
  const cause = serviceError(grpc.status.UNAVAILABLE, 'No connection established');
  return new GatewayError({ code: cause.code, details: [], cause, message: cause.message });
}

export function mvccConflict(transactionId = 'tx-conflict'): CommitError {
  return new CommitError({
    code: 11,
    transactionId,
    message: `transaction ${transactionId} failed to commit with status 11`,
  });
}

export type ReadFunction = (read: ReadParameter, options?: ReadOptions) => Promise<CanonicalRecord>;

export interface FakeConnector extends SourceConnector {
  readonly read: sinon.SinonStub<Parameters<SourceConnector['read']>, Promise<CanonicalRecord>>;
}

export function newFakeConnector(
  sandbox: sinon.SinonSandbox,
  id: string,
  read: ReadFunction,
  kind: ConnectorKind = 'sqlite',
): FakeConnector {
  return {
    id,
    kind,
    read: sandbox
      .stub<Parameters<SourceConnector['read']>, Promise<CanonicalRecord>>()
      .callsFake((parameter, options) => read(parameter, options)),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** A member's sources by id; an id it does not serve is refused as the real registry does. */
export function newFakeRegistry(...connectors: SourceConnector[]): SourceRegistry {
  const byId = new Map(connectors.map((connector) => [connector.id, connector]));
  return {
    ids: [...byId.keys()],
    has: (sourceId) => byId.has(sourceId),
    get: (sourceId) => {
      const connector = byId.get(sourceId);
      if (!connector) {
        throw new SourceError('UNKNOWN_SOURCE', `no source ${sourceId}`, { sourceId });
      }
      return connector;
    },
    close: () => Promise.resolve(),
  };
}

type Row = (typeof rows)[number];

/**
 * Reads the receipt fixture's account rows by `key.id`, as the requester's database holds them;
 * `edit` changes a row the way another member's copy might differ.
 */
export function accountReader(edit: (row: Row) => Row = (row) => row): ReadFunction {
  return (read) => {
    const id = read.kind === 'sql' ? read.key.id : undefined;
    const row = rows.find((candidate) => candidate.id === id);
    if (!row) {
      return Promise.reject(new SourceError('RECORD_NOT_FOUND', `no account ${String(id)}`));
    }
    return Promise.resolve(canonicalRecord(edit(row), { balance: 'number' }));
  };
}

/** A promise and the functions that settle it, for steering the order things finish in. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function newDeferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise, resolve, reject };
}

/**
 * Lets pending callbacks run until `condition` holds. It yields to the event loop, never to a
 * timer, so fake timers do not stop it; a condition that does not hold in time fails.
 */
export async function until(
  condition: () => boolean,
  what: string,
  giveUpMs = 2000,
): Promise<void> {
  const giveUpAt = process.hrtime.bigint() + BigInt(giveUpMs) * 1_000_000n;
  while (!condition()) {
    if (process.hrtime.bigint() > giveUpAt) throw new Error(`gave up waiting until ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
