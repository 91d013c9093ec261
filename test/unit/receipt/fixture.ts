import {
  batchRoot,
  canonicalRecord,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  saltsFromSeed,
  SCHEME_V1,
  SCHEME_V2,
  sha256Hex,
  thresholdFor,
  verdictSigningPayload,
  verdictSubjectOf,
  type FirstBlockContent,
  type VerdictBody,
} from '@corroborate/protocol';
import type { ConsortiumTrust } from '../../../gateway/src/receipt';
import type { Ledger } from '../../../gateway/src/fabric/ledger';
import type { FirstBlockView, OutcomeView, StoredFirstBlock, Verdict } from '@corroborate/protocol';
import {
  newAuthority,
  signPayload,
  type TestAuthority,
  type TestIdentity,
} from '../../support/identities';

/** A deterministic, Fabric-shaped transaction id. */
export function txIdOf(label: string): string {
  return sha256Hex(`tx:${label}`);
}

/** The block's snapshot: Org1 requests, the other four vote (threshold ceil(4 × 0.5) = 2). */
export const participants = ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP', 'Org5MSP'];

/** The snapshot without the requester: the participants whose verdicts count. */
export const voters = participants.slice(1);

export const rows = [
  { id: 1, name: 'Ada Lovelace', balance: '1250.50', opened: new Date('2021-03-04T05:06:07.123Z') },
  { id: 2, name: 'Alan Turing', balance: '-3', opened: null },
  { id: 3, name: 'Grace Hopper', balance: '0.10', opened: new Date('2022-01-01T00:00:00Z') },
];

export interface Scenario {
  readonly requester: TestIdentity;
  /** Org1's CA, which issued the requester's certificate. */
  readonly authority: TestAuthority;
  /** Each participant's CA, and the client identity it issued, which signs its verdicts. */
  readonly authorities: ReadonlyMap<string, TestAuthority>;
  readonly members: ReadonlyMap<string, TestIdentity>;
  /** The consortium's trust: every participant's CA, and the snapshot as the expected set. */
  readonly trust: ConsortiumTrust;
  readonly view: FirstBlockView;
  readonly blockNumbers: Map<string, bigint>;
}

export interface ScenarioOptions {
  readonly hashOnly?: boolean;
  readonly mode?: 'parallel' | 'relay';
  /** Per voter of `voters`, in order, its verdict; undefined = no verdict yet. */
  readonly results?: Array<'valid' | 'invalid' | 'unverifiable' | undefined>;
  readonly recorded?: boolean;
  /** When the sweep recorded the block as expired; the deadline is 2030-01-01T00:00:00Z. */
  readonly expiredAt?: string;
  /** A corroborate-v2 block with this salt seed; corroborate-v1 without one. */
  readonly saltSeed?: string;
  /** Leave the verdicts unsigned, as a ledger recorded them before verdicts were signed. */
  readonly unsigned?: boolean;
  /** Who signs the block as requester Org1MSP: Org1's client, issued by Org1's CA, by default. */
  readonly requester?: TestIdentity;
  /** The block's snapshot, its requester first (default `participants`). */
  readonly participants?: readonly string[];
  /** Who signs each participant's verdict, where not its own client identity. */
  readonly signers?: ReadonlyMap<string, TestIdentity>;
  /** The snapshot's quorum ratio (default 0.5). */
  readonly quorumRatio?: string;
}

/** Each participant's CA and client identity, made once: key generation is slow. */
const consortium = (async () => {
  const authorities = new Map<string, TestAuthority>();
  const members = new Map<string, TestIdentity>();
  for (const mspId of participants) {
    const authority = await newAuthority(mspId);
    authorities.set(mspId, authority);
    members.set(mspId, await authority.issue(mspId));
  }
  return { authorities, members };
})();

/** A first block, its verdicts and its outcome, built with the real rule and a real signature. */
export async function newScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const { authorities, members } = await consortium;
  const authority = authorities.get('Org1MSP') as TestAuthority;
  const requester = options.requester ?? members.get('Org1MSP');
  if (requester === undefined) throw new Error('no client identity of Org1MSP');
  const snapshot = [...(options.participants ?? participants)];
  const others = snapshot.slice(1);
  const quorumRatio = options.quorumRatio ?? '0.5';
  const threshold = thresholdFor(others.length, quorumRatio) as number;
  const hashOnly = options.hashOnly ?? false;
  const salts = options.saltSeed === undefined ? undefined : saltsFromSeed(options.saltSeed);
  const records = rows.map((row, index) => {
    const data = canonicalRecord(row, { balance: 'number' });
    const { recordHash, fieldHashes } = hashRecord(data, salts?.(index));
    return {
      read: {
        kind: 'sql' as const,
        table: 'accounts',
        key: { id: row.id },
        columns: Object.keys(row),
      },
      recordHash,
      fieldHashes,
      ...(hashOnly ? {} : { data }),
    };
  });
  const content: FirstBlockContent = {
    id: hashOnly ? 'req-hash-only-1' : 'req-accounts-1',
    scheme: salts === undefined ? SCHEME_V1 : SCHEME_V2,
    mode: options.mode ?? 'parallel',
    hashOnly,
    deadline: '2030-01-01T00:00:00Z',
    requester: { mspId: 'Org1MSP', certFingerprint: certificateFingerprint(requester.certificate) },
    interface: { sourceId: 'bank', connector: 'sqlite' },
    records,
    batchRoot: batchRoot(records.map((record) => record.recordHash)),
  };
  const payload = firstBlockSigningPayload(content);
  const block: StoredFirstBlock = {
    content,
    signature: signPayload(requester, payload),
    requesterCertificate: requester.certificate,
    contentHash: sha256Hex(payload),
    participants: snapshot,
    threshold,
    quorumRatio,
    createdAt: '2025-06-01T10:00:00.123456789Z',
    txId: txIdOf('create'),
    ...(options.saltSeed === undefined ? {} : { saltSeed: options.saltSeed }),
  };
  const blockNumbers = new Map<string, bigint>([[block.txId, 7n]]);
  const results = options.results ?? ['valid', 'valid', undefined, undefined];
  const verdicts: Verdict[] = [];
  results.forEach((result, index) => {
    const participant = others[index];
    if (result === undefined || participant === undefined) return;
    const txId = txIdOf(`verdict:${participant}`);
    blockNumbers.set(txId, BigInt(8 + index));
    const body: VerdictBody = {
      result,
      observedHash: result === 'valid' ? content.batchRoot : '',
      reason: (
        { valid: 'OK', invalid: 'RECORD_NOT_FOUND', unverifiable: 'SOURCE_UNAVAILABLE' } as const
      )[result],
      attempts: { valid: 1, invalid: 4, unverifiable: 900 }[result],
      failedRecords: [],
    };
    const signer = (options.signers?.get(participant) ?? members.get(participant)) as TestIdentity;
    const signature = signPayload(
      signer,
      verdictSigningPayload(verdictSubjectOf(block, participant), body),
    );
    verdicts.push({
      blockId: content.id,
      participant,
      ...body,
      failedRecords: [],
      ...(options.unsigned ? {} : { signature, signerCertificate: signer.certificate }),
      recordedAt: `2025-06-01T10:00:0${index + 1}.5Z`,
      txId,
    });
  });
  const count = (wanted: string) => verdicts.filter((verdict) => verdict.result === wanted).length;
  const valid = count('valid');
  const invalid = count('invalid');
  const unverifiable = count('unverifiable');
  const decided =
    valid >= threshold
      ? 'accepted'
      : invalid > 0 && invalid > others.length - threshold
        ? 'rejected'
        : 'pending';
  const status = options.expiredAt === undefined ? decided : 'expired';
  const recorded = (options.recorded ?? true) && status !== 'pending';
  const outcome: OutcomeView = recorded
    ? {
        status,
        recorded,
        valid,
        invalid,
        unverifiable,
        participants: others.length,
        threshold,
        decidedAt: options.expiredAt ?? '2025-06-01T10:00:05Z',
        txId: txIdOf('outcome'),
      }
    : {
        status,
        recorded,
        valid,
        invalid,
        unverifiable,
        participants: others.length,
        threshold,
      };
  if (recorded) blockNumbers.set(txIdOf('outcome'), 20n);
  const trust: ConsortiumTrust = {
    organisations: Object.fromEntries(
      [...authorities].map(([mspId, each]) => [mspId, [each.certificate]]),
    ),
    participants,
  };
  return {
    requester,
    authority,
    authorities,
    members,
    trust,
    view: { block, verdicts, outcome },
    blockNumbers,
  };
}

function unused(name: string): () => never {
  return () => {
    throw new Error(`${name} is not used by receipts`);
  };
}

/** The ledger facade, answering from a scenario. */
export function newFakeLedger(scenario: Scenario): Ledger {
  return {
    mspId: 'Org1MSP',
    initParticipants: unused('initParticipants'),
    getParticipants: unused('getParticipants'),
    proposeParticipantChange: unused('proposeParticipantChange'),
    approveParticipantChange: unused('approveParticipantChange'),
    getParticipantChange: unused('getParticipantChange'),
    createFirstBlock: unused('createFirstBlock'),
    recordVerdict: unused('recordVerdict'),
    requestRecheck: unused('requestRecheck'),
    recordAttestation: unused('recordAttestation'),
    getRechecks: (blockId: string) => Promise.resolve({ blockId, rounds: [] }),
    finalizeOutcome: unused('finalizeOutcome'),
    listFirstBlocks: unused('listFirstBlocks'),
    events: unused('events'),
    height: unused('height'),
    ledgerId: unused('ledgerId'),
    getFirstBlock: (blockId: string) =>
      blockId === scenario.view.block.content.id
        ? Promise.resolve(structuredClone(scenario.view))
        : Promise.reject(new Error(`FIRST_BLOCK_NOT_FOUND: blockId: ${blockId}`)),
    blockNumberOf: (transactionId: string) => {
      const number = scenario.blockNumbers.get(transactionId);
      return number === undefined
        ? Promise.reject(new Error(`no transaction ${transactionId}`))
        : Promise.resolve(number);
    },
  };
}
