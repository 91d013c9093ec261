// The tests that use these fixtures drive the contract: quiet its logs before it loads.
import './quiet-fabric-logs';
import type {
  FieldSalts,
  FirstBlockContent,
  FirstBlockRecord,
  Mode,
  Scheme,
  VerdictBody,
} from '@corroborate/protocol';
import {
  SCHEME_V1,
  SCHEME_V2,
  batchRoot,
  canonicalRecord,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  saltsFromSeed,
  sha256Hex,
} from '@corroborate/protocol';
import type { TestIdentity } from '../../support/identities';
import { newIdentity, signPayload } from '../../support/identities';

/** Identities are costly to make, so each MSP id gets one user and one admin per test run. */
const identities = new Map<string, Promise<TestIdentity>>();

/** An organisation's user: a client certificate (OU client), as a member's gateway holds. */
export function identityOf(mspId: string): Promise<TestIdentity> {
  return cachedIdentity(`user:${mspId}`, () => newIdentity(mspId));
}

/** An organisation's administrator (OU admin): the only identity governance accepts. */
export function adminOf(mspId: string): Promise<TestIdentity> {
  return cachedIdentity(`admin:${mspId}`, () =>
    newIdentity(mspId, `Admin@${mspId}`, 'P-256', 'admin'),
  );
}

function cachedIdentity(key: string, make: () => Promise<TestIdentity>): Promise<TestIdentity> {
  let identity = identities.get(key);
  if (!identity) {
    identity = make();
    identities.set(key, identity);
  }
  return identity;
}

/** The fewest organisations that are a strict majority of `count`. */
export function majorityOf(count: number): number {
  return Math.floor(count / 2) + 1;
}

/**
 * Initialises the participant set as a consortium does: the admins of a strict majority of the
 * listed organisations each call InitParticipants with the same list, the first ones first.
 */
export async function initParticipants(
  ledger: { submit(identity: TestIdentity, fn: string, ...args: string[]): Promise<string> },
  participants: readonly string[],
  ratio = '0.5',
): Promise<void> {
  for (const mspId of participants.slice(0, majorityOf(participants.length))) {
    await ledger.submit(
      await adminOf(mspId),
      'InitParticipants',
      JSON.stringify(participants),
      ratio,
    );
  }
}

/**
 * Changes the participant set as a consortium does: the first of `approvers` proposes with its
 * admin, the others approve with theirs; together they must be a strict majority.
 */
export async function changeParticipants(
  ledger: { submit(identity: TestIdentity, fn: string, ...args: string[]): Promise<string> },
  proposalId: string,
  change: { add?: string[]; remove?: string[]; quorumRatio?: string },
  approvers: readonly string[],
): Promise<void> {
  const [proposer, ...others] = approvers;
  if (proposer === undefined) throw new Error('a change needs a proposer');
  await ledger.submit(
    await adminOf(proposer),
    'ProposeParticipantChange',
    proposalId,
    JSON.stringify(change),
  );
  for (const mspId of others) {
    await ledger.submit(await adminOf(mspId), 'ApproveParticipantChange', proposalId);
  }
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
  /** `corroborate-v2` by default, as the gateway makes blocks; salted from {@link SALT_SEED}. */
  readonly scheme?: Scheme;
}

/** The seed of every fixture block's salts under `corroborate-v2`. */
export const SALT_SEED = sha256Hex('fixture salt seed');

export interface SignedFirstBlock {
  readonly content: FirstBlockContent;
  readonly contentJson: string;
  readonly signature: string;
  /** The CreateFirstBlock argument: {@link SALT_SEED} under `corroborate-v2`, '' under v1. */
  readonly saltSeed: string;
}

/** ISO time `days` after the ledger double's starting time. */
export function daysAfterStart(days: number): string {
  return new Date(Date.parse('2025-01-01T00:00:00.000Z') + days * 86_400_000).toISOString();
}

function newRecord(index: number, hashOnly: boolean, salts?: FieldSalts): FirstBlockRecord {
  const data = canonicalRecord({ id: index + 1, name: `customer ${index + 1}`, balance: '10.50' });
  const hashes = hashRecord(data, salts);
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
  const scheme = options.scheme ?? SCHEME_V2;
  const salts = scheme === SCHEME_V2 ? saltsFromSeed(SALT_SEED) : undefined;
  const records = Array.from({ length: options.records ?? 1 }, (_, index) =>
    newRecord(index, hashOnly, salts?.(index)),
  );
  const named = options.requester ?? requester;
  return {
    id: options.id ?? 'block-1',
    scheme,
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
    saltSeed: content.scheme === SCHEME_V1 ? '' : SALT_SEED,
  };
}

export function newSignedFirstBlock(
  requester: TestIdentity,
  options: FirstBlockOptions = {},
): SignedFirstBlock {
  return signFirstBlock(requester, newFirstBlockContent(requester, options));
}

/**
 * Verdict bodies, as JSON: what a participant attests before it signs. `LedgerDouble.recordVerdict`
 * signs one as the participant's worker does.
 */
export function validVerdict(content: FirstBlockContent): string {
  const verdict: VerdictBody = {
    result: 'valid',
    observedHash: content.batchRoot,
    reason: 'OK',
    attempts: 1,
  };
  return JSON.stringify(verdict);
}

export function invalidVerdict(reason: VerdictBody['reason'] = 'HASH_MISMATCH'): string {
  const verdict: VerdictBody = {
    result: 'invalid',
    observedHash: '',
    reason,
    attempts: 3,
    failedRecords: [0],
  };
  return JSON.stringify(verdict);
}

/** An abstention: the participant could not read its source. */
export function unverifiableVerdict(
  reason: VerdictBody['reason'] = 'SOURCE_UNAVAILABLE',
  attempts = 40,
): string {
  const verdict: VerdictBody = {
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
