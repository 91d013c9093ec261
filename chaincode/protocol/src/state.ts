import type { FirstBlockContent, VerdictInput } from './model';
import type { OutcomeStatus } from './threshold';

/** What the contract keeps on the ledger and returns to clients. */

export interface ParticipantSet {
  readonly participants: string[];
  readonly quorumRatio: string;
  readonly threshold: number;
  readonly version: number;
}

/** A proposed change to the participant set: members to add or remove, or a new ratio. */
export interface ParticipantChange {
  readonly add: string[];
  readonly remove: string[];
  readonly quorumRatio?: string;
}

/**
 * `open` while it collects approvals; `applied` once a strict majority approved; `closed` when the
 * set changed under it; `expired` once its `expiresAt` passed while open. `closed` and `expired`
 * are what a read reports: the stored status stays `open`.
 */
export type ProposalStatus = 'open' | 'applied' | 'closed' | 'expired';

/**
 * A participant change under vote, and the approvals it has so far. The initialisation of the set
 * is one too: `baseVersion` 0, its `change` adding every listed organisation, its electorate the
 * listed organisations themselves.
 */
export interface Proposal {
  readonly proposalId: string;
  readonly change: ParticipantChange;
  readonly proposer: string;
  readonly approvals: string[];
  /**
   * The participant-set version the change was proposed against (0: the initialisation);
   * approvals count only there.
   */
  readonly baseVersion: number;
  readonly status: ProposalStatus;
  readonly createdAt: string;
  /** The transaction time after which it takes no approval: `createdAt` plus the lifetime. */
  readonly expiresAt: string;
  readonly txId: string;
  readonly appliedAt?: string;
  readonly appliedVersion?: number;
}

/**
 * A first block as stored: the signed content with the participant snapshot and threshold taken at
 * creation.
 */
export interface StoredFirstBlock {
  readonly content: FirstBlockContent;
  readonly signature: string;
  readonly requesterCertificate: string;
  readonly contentHash: string;
  /** Snapshot at creation: later changes to the set do not move this block's vote. */
  readonly participants: string[];
  readonly threshold: number;
  readonly quorumRatio: string;
  readonly createdAt: string;
  readonly txId: string;
  /**
   * The seed of a `corroborate-v2` block's field salts (64 hex digits), which verifiers need to
   * hash what they read; absent for a `corroborate-v1` block. It is outside the signed content:
   * the salted field hashes are what the requester signed, and a receipt leaves the seed out.
   */
  readonly saltSeed?: string;
}

/**
 * What verdicts and outcomes need from a first block, stored under its own small key: a block of
 * 1000 records is about 1 MB of JSON, and RecordVerdict, FinalizeOutcome and GetOutcome would
 * otherwise read and parse all of it only to learn the snapshot, the deadline and the batch root.
 */
export interface FirstBlockMeta {
  readonly blockId: string;
  readonly requester: string;
  readonly mode: FirstBlockContent['mode'];
  readonly sourceId: string;
  readonly deadline: string;
  readonly batchRoot: string;
  /**
   * The hash of the block's signed content, which a verdict's signature covers. A meta written
   * before verdicts were signed has none; the block itself has it.
   */
  readonly contentHash?: string;
  /** The number of records in the block. */
  readonly records: number;
  /** The block's snapshot of the participant set, as in StoredFirstBlock. */
  readonly participants: string[];
  readonly threshold: number;
  readonly quorumRatio: string;
  readonly createdAt: string;
}

/** A participant's verdict as recorded, with the transaction that recorded it. */
export interface Verdict {
  readonly blockId: string;
  readonly participant: string;
  readonly result: VerdictInput['result'];
  readonly observedHash: string;
  readonly reason: VerdictInput['reason'];
  readonly attempts: number;
  readonly failedRecords: number[];
  /** Present only when the participant named fields that differ. */
  readonly differingFields?: VerdictInput['differingFields'];
  /**
   * The participant's signature over `verdictSigningPayload` (base64 DER ECDSA P-256 / SHA-256),
   * and the certificate of the submitting identity it verified with when it was recorded. Absent
   * on verdicts recorded before verdicts were signed.
   */
  readonly signature?: string;
  readonly signerCertificate?: string;
  readonly recordedAt: string;
  readonly txId: string;
}

/** A decided outcome as recorded, once per block. */
export interface Outcome {
  readonly blockId: string;
  readonly status: Exclude<OutcomeStatus, 'pending'>;
  /**
   * Counts among the verdicts the deciding FinalizeOutcome read: every participant's without a
   * voter list, only the listed voters' with one. A verdict recorded later is not counted here.
   */
  readonly valid: number;
  readonly invalid: number;
  /**
   * Abstentions among those verdicts. An outcome recorded by a contract from before abstentions
   * has no such field: read it as 0.
   */
  readonly unverifiable?: number;
  readonly participants: number;
  readonly threshold: number;
  readonly decidedAt: string;
  readonly txId: string;
}

/**
 * A block's outcome as returned: the recorded one, or a live count that is not on the ledger yet
 * (`recorded: false`).
 */
export interface OutcomeView {
  readonly status: OutcomeStatus;
  readonly recorded: boolean;
  readonly valid: number;
  readonly invalid: number;
  /** Abstentions: verdicts of voters that could not read their source. */
  readonly unverifiable: number;
  readonly participants: number;
  readonly threshold: number;
  readonly decidedAt?: string;
  readonly txId?: string;
}

/** The status index entry: enough to list blocks without reading each one. */
export interface FirstBlockSummary {
  readonly blockId: string;
  readonly requester: string;
  readonly mode: FirstBlockContent['mode'];
  readonly sourceId: string;
  readonly records: number;
  readonly participants: number;
  readonly threshold: number;
  readonly deadline: string;
  readonly createdAt: string;
  /** When the outcome was recorded; in the listings of decided blocks only. */
  readonly decidedAt?: string;
}

export interface FirstBlockListItem extends FirstBlockSummary {
  readonly status: OutcomeStatus;
}

/** One page of {@link FirstBlockListItem}s; `bookmark` is empty after the last page. */
export interface FirstBlockPage {
  readonly items: FirstBlockListItem[];
  readonly bookmark: string;
}

/** A first block as GetFirstBlock returns it: the block, every verdict so far and the outcome. */
export interface FirstBlockView {
  readonly block: StoredFirstBlock;
  readonly verdicts: Verdict[];
  readonly outcome: OutcomeView;
}
