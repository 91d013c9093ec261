// The tests that use these fixtures drive the contract: quiet its logs before it loads.
import './quiet-fabric-logs';
import type {
  FirstBlockContent,
  FirstBlockRecord,
  Mode,
  VerdictInput,
} from '@corroborate/protocol';
import {
  SCHEME,
  batchRoot,
  canonicalRecord,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
} from '@corroborate/protocol';
import type { TestIdentity } from '../../support/identities';
import { newIdentity, signPayload } from '../../support/identities';

/** Identities are costly to make, so each MSP id gets one per test run. */
const identities = new Map<string, Promise<TestIdentity>>();

export function identityOf(mspId: string): Promise<TestIdentity> {
  let identity = identities.get(mspId);
  if (!identity) {
    identity = newIdentity(mspId);
    identities.set(mspId, identity);
  }
  return identity;
}

export function mspIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `Org${index + 1}MSP`);
}

export async function consortium(count: number): Promise<TestIdentity[]> {
  return Promise.all(mspIds(count).map(identityOf));
}

/** A consortium, with its first three members named as the contract tests use them. */
export interface Members {
  readonly orgs: TestIdentity[];
  readonly org1: TestIdentity;
  readonly org2: TestIdentity;
  readonly org3: TestIdentity;
}

export async function members(count: number): Promise<Members> {
  const orgs = await consortium(count);
  const [org1, org2, org3] = orgs as [TestIdentity, TestIdentity, TestIdentity];
  return { orgs, org1, org2, org3 };
}

export interface FirstBlockOptions {
  readonly id?: string;
  readonly mode?: Mode;
  readonly deadline?: string;
  readonly records?: number;
  readonly hashOnly?: boolean;
  /** Who the content names as requester; the submitter by default. */
  readonly requester?: TestIdentity;
}

export interface SignedFirstBlock {
  readonly content: FirstBlockContent;
  readonly contentJson: string;
  readonly signature: string;
}

/** ISO time `days` after the ledger double's starting time. */
export function daysAfterStart(days: number): string {
  return new Date(Date.parse('2025-01-01T00:00:00.000Z') + days * 86_400_000).toISOString();
}

function newRecord(index: number, hashOnly: boolean): FirstBlockRecord {
  const data = canonicalRecord({ id: index + 1, name: `customer ${index + 1}`, balance: '10.50' });
  const hashes = hashRecord(data);
  return {
    read: {
      kind: 'sql',
      table: 'customers',
      key: { id: index + 1 },
      columns: ['id', 'name', 'balance'],
    },
    recordHash: hashes.recordHash,
    fieldHashes: hashes.fieldHashes,
    ...(hashOnly ? {} : { data }),
  };
}

export function newFirstBlockContent(
  requester: TestIdentity,
  options: FirstBlockOptions = {},
): FirstBlockContent {
  const hashOnly = options.hashOnly ?? false;
  const records = Array.from({ length: options.records ?? 1 }, (_, index) =>
    newRecord(index, hashOnly),
  );
  const named = options.requester ?? requester;
  return {
    id: options.id ?? 'block-1',
    scheme: SCHEME,
    mode: options.mode ?? 'parallel',
    hashOnly,
    deadline: options.deadline ?? daysAfterStart(1),
    requester: { mspId: named.mspId, certFingerprint: certificateFingerprint(named.certificate) },
    interface: { sourceId: 'customers-db', connector: 'sqlite' },
    records,
    batchRoot: batchRoot(records.map((record) => record.recordHash)),
  };
}

/** Signs content as its requester would. */
export function signFirstBlock(signer: TestIdentity, content: FirstBlockContent): SignedFirstBlock {
  return {
    content,
    contentJson: JSON.stringify(content),
    signature: signPayload(signer, firstBlockSigningPayload(content)),
  };
}

export function newSignedFirstBlock(
  requester: TestIdentity,
  options: FirstBlockOptions = {},
): SignedFirstBlock {
  return signFirstBlock(requester, newFirstBlockContent(requester, options));
}

export function validVerdict(content: FirstBlockContent): string {
  const verdict: VerdictInput = {
    result: 'valid',
    observedHash: content.batchRoot,
    reason: 'OK',
    attempts: 1,
  };
  return JSON.stringify(verdict);
}

export function invalidVerdict(reason: VerdictInput['reason'] = 'HASH_MISMATCH'): string {
  const verdict: VerdictInput = {
    result: 'invalid',
    observedHash: reason === 'HASH_MISMATCH' ? 'ab'.repeat(32) : '',
    reason,
    attempts: 3,
    failedRecords: [0],
  };
  return JSON.stringify(verdict);
}

/** An abstention: the participant could not read its source. */
export function unverifiableVerdict(
  reason: VerdictInput['reason'] = 'SOURCE_UNAVAILABLE',
  attempts = 40,
): string {
  const verdict: VerdictInput = {
    result: 'unverifiable',
    observedHash: '',
    reason,
    attempts,
    failedRecords: [0],
  };
  return JSON.stringify(verdict);
}

/** Matches a refusal with the given catalogue code. */
export function refusal(code: string): RegExp {
  return new RegExp(`^${code}: `);
}
