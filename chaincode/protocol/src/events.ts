import type { DifferingFields, Mode, VerdictReason, VerdictResult } from './model';
import type { AttestationReason, AttestationResult } from './recheck';
import type { ParticipantSet } from './state';
import type { OutcomeStatus } from './threshold';

/**
 * The contract's events: one per transaction (Fabric keeps the last one set), named here with
 * the payload each carries. The contract emits through this map and clients decode with
 * {@link decodeLedgerEvent}, so the shape is written once.
 */
export interface LedgerEventPayloads {
  /**
   * `CreateFirstBlock` stored a first block. `participants` and `threshold` are the block's
   * snapshot; `records` is the number of records.
   */
  readonly FirstBlockCreated: {
    readonly blockId: string;
    readonly requester: string;
    readonly mode: Mode;
    readonly participants: string[];
    readonly threshold: number;
    readonly deadline: string;
    readonly sourceId: string;
    readonly records: number;
    readonly txId: string;
  };
  /** `RecordVerdict`: a participant recorded its verdict on a block. */
  readonly VerdictRecorded: {
    readonly blockId: string;
    readonly participant: string;
    readonly result: VerdictResult;
    readonly reason: VerdictReason;
    readonly txId: string;
  };
  /**
   * `FinalizeOutcome` recorded a block's outcome; once per block. `unverifiable` counts the
   * abstentions (absent from events of contracts before abstentions).
   */
  readonly OutcomeDecided: {
    readonly blockId: string;
    readonly status: Exclude<OutcomeStatus, 'pending'>;
    readonly valid: number;
    readonly invalid: number;
    readonly unverifiable?: number;
    readonly txId: string;
  };
  /** `RequestRecheck` opened a re-verification round of an accepted block. */
  readonly RecheckRequested: {
    readonly blockId: string;
    readonly round: number;
    readonly requestedBy: string;
    readonly sourceId: string;
    readonly txId: string;
  };
  /** `RecordAttestation`: a participant attested in a round (names only, never values). */
  readonly AttestationRecorded: {
    readonly blockId: string;
    readonly round: number;
    readonly participant: string;
    readonly result: AttestationResult;
    readonly reason: AttestationReason;
    /** For `drifted`: per record, the names of the fields that differ (names only). */
    readonly differingFields: DifferingFields[];
    readonly txId: string;
  };
  /**
   * The call that made a strict majority of a proposal's electorate (an `InitParticipants`, a
   * proposal or an approval) set the participants; the payload is the new set.
   */
  readonly ParticipantsChanged: ParticipantSet;
}

/** The name of one of the contract's events. */
export type LedgerEventName = keyof LedgerEventPayloads;

/** Every {@link LedgerEventName}. */
export const LEDGER_EVENT_NAMES: readonly LedgerEventName[] = [
  'FirstBlockCreated',
  'VerdictRecorded',
  'OutcomeDecided',
  'RecheckRequested',
  'AttestationRecorded',
  'ParticipantsChanged',
];

/** A decoded event: a discriminated union on `name`, so a `switch` narrows the payload. */
export type LedgerEventBody = {
  [Name in LedgerEventName]: { readonly name: Name; readonly payload: LedgerEventPayloads[Name] };
}[LedgerEventName];

/** True when `name` is an event this protocol defines. */
export function isLedgerEventName(name: string): name is LedgerEventName {
  return (LEDGER_EVENT_NAMES as readonly string[]).includes(name);
}

type FieldKind = 'string' | 'number' | 'strings';

/** The fields every payload must have, checked on decoding; extra fields are kept. */
const requiredFields: { readonly [Name in LedgerEventName]: Readonly<Record<string, FieldKind>> } =
  {
    FirstBlockCreated: {
      blockId: 'string',
      requester: 'string',
      mode: 'string',
      participants: 'strings',
      threshold: 'number',
      deadline: 'string',
      sourceId: 'string',
      records: 'number',
      txId: 'string',
    },
    VerdictRecorded: {
      blockId: 'string',
      participant: 'string',
      result: 'string',
      reason: 'string',
      txId: 'string',
    },
    OutcomeDecided: {
      blockId: 'string',
      status: 'string',
      valid: 'number',
      invalid: 'number',
      txId: 'string',
    },
    ParticipantsChanged: {
      participants: 'strings',
      quorumRatio: 'string',
      threshold: 'number',
      version: 'number',
    },
    RecheckRequested: {
      blockId: 'string',
      round: 'number',
      requestedBy: 'string',
      sourceId: 'string',
      txId: 'string',
    },
    AttestationRecorded: {
      blockId: 'string',
      round: 'number',
      participant: 'string',
      result: 'string',
      reason: 'string',
      txId: 'string',
    },
  };

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/**
 * Decodes a contract event's JSON payload into its typed form. Returns `undefined` for an event
 * this protocol does not define (another contract's, or a later version's), and throws when a
 * known event's payload lacks a field, which only a contract of another protocol can cause.
 */
export function decodeLedgerEvent(name: string, json: string): LedgerEventBody | undefined {
  if (!isLedgerEventName(name)) return undefined;
  const payload: unknown = JSON.parse(json);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`${name} event: the payload is not a JSON object`);
  }
  for (const [field, kind] of Object.entries(requiredFields[name])) {
    if (!hasKind((payload as Record<string, unknown>)[field], kind)) {
      throw new TypeError(`${name} event: ${field} is missing or not a ${kind}`);
    }
  }
  return { name, payload } as LedgerEventBody;
}
