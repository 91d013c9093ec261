import { ContractError } from './errors';
import { hasAdminRole, type Caller } from './identity';
import type {
  Instant,
  ParticipantChange,
  ParticipantSet,
  Proposal,
  ProposalStatus,
} from '@corroborate/protocol';
import type { QuorumRatio } from '@corroborate/protocol';
import {
  canonicalJson,
  formatInstant,
  isGovernanceMajority,
  meetsMinQuorumRatio,
  minQuorumRatio,
  parseQuorumRatio,
  parseUtcTimestamp,
  proposalExpiryOf,
  sha256Hex,
  voterThreshold,
} from '@corroborate/protocol';

/** Governance rules for the participant set: pure, no ledger access. */

export const maxParticipants = 100;

const mspIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isMspId(value: unknown): value is string {
  return typeof value === 'string' && mspIdPattern.test(value);
}

export function assertQuorumRatio(text: string, field: string): QuorumRatio {
  const ratio = parseQuorumRatio(text);
  if (!ratio) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${field}: must be a decimal in (0, 1] with at most 9 fractional digits, got ${JSON.stringify(text)}`,
    );
  }
  if (!meetsMinQuorumRatio(ratio)) {
    throw new ContractError(
      'QUORUM_RATIO_TOO_LOW',
      `${field}: must be at least ${minQuorumRatio}, got ${ratio.text}`,
    );
  }
  return ratio;
}

function parseMspIdList(value: unknown, field: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value)) {
    throw new ContractError('INVALID_ARGUMENT', `${field}: must be an array of MSP ids`);
  }
  if (!allowEmpty && value.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', `${field}: must name at least one MSP id`);
  }
  if (value.length > maxParticipants) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${field}: at most ${maxParticipants} MSP ids, got ${value.length}`,
    );
  }
  const seen = new Set<string>();
  value.forEach((item, index) => {
    if (!isMspId(item)) {
      throw new ContractError('INVALID_ARGUMENT', `${field}[${index}]: not a valid MSP id`);
    }
    if (seen.has(item)) {
      throw new ContractError('INVALID_ARGUMENT', `${field}[${index}]: duplicate MSP id ${item}`);
    }
    seen.add(item);
  });
  return value as string[];
}

/** The initial participant list: 1..100 unique MSP ids, in the order that relay mode follows. */
export function parseParticipantList(value: unknown): string[] {
  return parseMspIdList(value, 'participants', false);
}

/** Voters named to FinalizeOutcome: 1..100 unique MSP ids; the snapshot is checked later. */
export function parseVoterList(value: unknown, field = 'votersJson'): string[] {
  return parseMspIdList(value, field, false);
}

export function newParticipantSet(
  participants: readonly string[],
  ratio: QuorumRatio,
  version: number,
): ParticipantSet {
  return {
    participants: [...participants],
    quorumRatio: ratio.text,
    // The threshold of a block any member requests: over the others, its voters.
    threshold: voterThreshold(Math.max(0, participants.length - 1), ratio),
    version,
  };
}

export function isParticipant(
  set: { readonly participants: readonly string[] },
  mspId: string,
): boolean {
  return set.participants.includes(mspId);
}

/** `{add?: string[], remove?: string[], quorumRatio?: string}` with at least one of them. */
export function parseParticipantChange(value: unknown): ParticipantChange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ContractError('INVALID_ARGUMENT', 'change: must be a JSON object');
  }
  const unknownFields = Object.keys(value).filter(
    (key) => !['add', 'remove', 'quorumRatio'].includes(key),
  );
  if (unknownFields.length > 0) {
    throw new ContractError('INVALID_ARGUMENT', `change.${unknownFields[0]}: unknown field`);
  }
  const fields = value as { add?: unknown; remove?: unknown; quorumRatio?: unknown };
  const add = fields.add === undefined ? [] : parseMspIdList(fields.add, 'change.add', true);
  const remove =
    fields.remove === undefined ? [] : parseMspIdList(fields.remove, 'change.remove', true);
  const overlap = add.find((mspId) => remove.includes(mspId));
  if (overlap !== undefined) {
    throw new ContractError('INVALID_ARGUMENT', `change: ${overlap} is both added and removed`);
  }
  let quorumRatio: string | undefined;
  if (fields.quorumRatio !== undefined) {
    if (typeof fields.quorumRatio !== 'string') {
      throw new ContractError('INVALID_ARGUMENT', 'change.quorumRatio: must be a decimal string');
    }
    quorumRatio = assertQuorumRatio(fields.quorumRatio, 'change.quorumRatio').text;
  }
  if (add.length === 0 && remove.length === 0 && quorumRatio === undefined) {
    throw new ContractError('INVALID_ARGUMENT', 'change: must add, remove or set quorumRatio');
  }
  return quorumRatio === undefined ? { add, remove } : { add, remove, quorumRatio };
}

/**
 * The set after the change. Refuses changes that do not fit the set they are applied to, so a
 * proposal is checked when it is made and cannot silently become a no-op later.
 */
export function applyParticipantChange(
  set: ParticipantSet,
  change: ParticipantChange,
): ParticipantSet {
  const present = change.add.find((mspId) => isParticipant(set, mspId));
  if (present !== undefined) {
    throw new ContractError('INVALID_ARGUMENT', `change.add: ${present} is a participant already`);
  }
  const absent = change.remove.find((mspId) => !isParticipant(set, mspId));
  if (absent !== undefined) {
    throw new ContractError('INVALID_ARGUMENT', `change.remove: ${absent} is not a participant`);
  }
  const participants = [
    ...set.participants.filter((mspId) => !change.remove.includes(mspId)),
    ...change.add,
  ];
  if (participants.length === 0) {
    throw new ContractError('INVALID_ARGUMENT', 'change.remove: would leave no participant');
  }
  if (participants.length > maxParticipants) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `change.add: would exceed ${maxParticipants} participants`,
    );
  }
  const ratio = assertQuorumRatio(change.quorumRatio ?? set.quorumRatio, 'change.quorumRatio');
  return newParticipantSet(participants, ratio, set.version + 1);
}

/**
 * Governance is for each organisation's administrators: an identity whose certificate carries the
 * admin role (see `hasAdminRole`), never any client certificate the organisation issued.
 */
export function assertAdmin(caller: Caller): void {
  if (!hasAdminRole(caller.certificate)) {
    throw new ContractError(
      'NOT_AN_ADMIN',
      `${caller.mspId}: the submitting identity has no admin role (certificate OU admin)`,
    );
  }
}

/** The set before the initialisation: no one, version 0, the ratio the initialisation sets. */
export function emptyParticipantSet(ratio: QuorumRatio): ParticipantSet {
  return newParticipantSet([], ratio, 0);
}

/**
 * The id of the proposal that initialises the set with `change`: fixed by what it initialises, so
 * every listed organisation that asks for the same set approves the same proposal.
 */
export function initialisationIdOf(change: ParticipantChange): string {
  return `init-${sha256Hex(canonicalJson({ participants: change.add, quorumRatio: change.quorumRatio }))}`;
}

/** Whether the proposal initialises the set rather than changing it. */
export function isInitialisation(proposal: Proposal): boolean {
  return proposal.baseVersion === 0;
}

/**
 * Who votes on a proposal: on the initialisation the organisations it lists, on a change the
 * current participants.
 */
export function electorateOf(
  proposal: Proposal,
  current: ParticipantSet | undefined,
): readonly string[] {
  return isInitialisation(proposal) ? proposal.change.add : (current?.participants ?? []);
}

/**
 * A new proposal, with its proposer's approval, taking approvals until its lifetime has passed
 * by the transaction time.
 */
export function newProposal(fields: {
  readonly proposalId: string;
  readonly change: ParticipantChange;
  readonly proposer: string;
  readonly baseVersion: number;
  readonly now: Instant;
  readonly txId: string;
}): Proposal {
  return {
    proposalId: fields.proposalId,
    change: fields.change,
    proposer: fields.proposer,
    approvals: [fields.proposer],
    baseVersion: fields.baseVersion,
    status: 'open',
    createdAt: formatInstant(fields.now),
    expiresAt: formatInstant(proposalExpiryOf(fields.now)),
    txId: fields.txId,
  };
}

/** When the proposal stops taking approvals. A proposal stored without one has its lifetime. */
export function expiryOfProposal(proposal: Proposal): Instant {
  // Read defensively: a proposal stored before proposals expired has no `expiresAt`.
  const expiresAt: string | undefined = proposal.expiresAt;
  const stated = expiresAt === undefined ? undefined : parseUtcTimestamp(expiresAt);
  return stated ?? proposalExpiryOf(parseUtcTimestamp(proposal.createdAt) ?? 0n);
}

/** The proposal as a client sees it: with its expiry, and its status at time `now`. */
export function viewProposal(
  proposal: Proposal,
  current: ParticipantSet | undefined,
  now: Instant,
): Proposal {
  return {
    ...proposal,
    expiresAt: formatInstant(expiryOfProposal(proposal)),
    status: proposalStatus(proposal, current, now),
  };
}

/**
 * A proposal counts approvals only against the set version it was made for: if the set changed
 * meanwhile (or, for an initialisation, was initialised otherwise), its approvers may no longer be
 * the electorate, so it is closed instead. An open proposal expires once the transaction time is
 * past its `expiresAt`.
 */
export function proposalStatus(
  proposal: Proposal,
  current: ParticipantSet | undefined,
  now: Instant,
): ProposalStatus {
  if (proposal.status !== 'open') {
    return proposal.status;
  }
  if (proposal.baseVersion !== (current?.version ?? 0)) {
    return 'closed';
  }
  return now > expiryOfProposal(proposal) ? 'expired' : 'open';
}

/** Refuses an approval of a proposal that is not open, with the code that says why. */
export function assertOpen(status: ProposalStatus, proposalId: string): void {
  if (status === 'expired') {
    throw new ContractError(
      'PROPOSAL_EXPIRED',
      `proposalId: ${proposalId} expired before a majority approved it`,
    );
  }
  if (status !== 'open') {
    throw new ContractError(
      'PROPOSAL_CLOSED',
      `proposalId: ${proposalId} was applied or the participant set changed since`,
    );
  }
}

/**
 * A change passes once more than half of its electorate approved it (the proposer counts as one),
 * whatever the quorum ratio: no minority can change who votes or how many must.
 */
export function isChangeApproved(proposal: Proposal, electorate: readonly string[]): boolean {
  const approvals = proposal.approvals.filter((mspId) => electorate.includes(mspId));
  return isGovernanceMajority(approvals.length, electorate.length);
}
