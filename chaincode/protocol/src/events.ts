import type { DifferingFields, Mode, VerdictReason, VerdictResult } from './model';
import type { AttestationReason, AttestationResult } from './recheck';
import type { ParticipantSet } from './state';
import type { OutcomeStatus } from './threshold';

/**
 * The contract's events: one per transaction (Fabric keeps the last one set), named here with
 * the payload each carries. The contract emits through this map and clients decode with
 * {@link decodeLedgerEvent}, so the shape is written once. A shared transaction (`RecordVerdicts`,
 * `FinalizeOutcomes`) emits one event that lists its blocks; {@link decodeBlockEvents} gives
 * clients one event per block whichever transaction recorded it.
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
  /**
   * `RecordVerdicts`: a participant recorded its verdicts on several blocks in one transaction;
   * one `VerdictRecorded` payload per block.
   */
  readonly VerdictsRecorded: { readonly verdicts: LedgerEventPayloads['VerdictRecorded'][] };
  /**
   * `FinalizeOutcomes` recorded the outcomes of several blocks in one transaction; one
   * `OutcomeDecided` payload per block it decided.
   */
  readonly OutcomesDecided: { readonly outcomes: LedgerEventPayloads['OutcomeDecided'][] };
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
  'VerdictsRecorded',
  'OutcomesDecided',
  'RecheckRequested',
  'AttestationRecorded',
  'ParticipantsChanged',
];

/** A decoded event: a discriminated union on `name`, so a `switch` narrows the payload. */
export type LedgerEventBody = {
  [Name in LedgerEventName]: { readonly name: Name; readonly payload: LedgerEventPayloads[Name] };
}[LedgerEventName];

/** The events of shared transactions, each listing the per-block events of its blocks. */
export type SharedEventName = 'VerdictsRecorded' | 'OutcomesDecided';

/** An event about one block or the participant set: what clients handle. */
export type BlockEventBody = Exclude<LedgerEventBody, { readonly name: SharedEventName }>;

/** The events a client sees after {@link decodeBlockEvents}: every name but the shared ones. */
export const BLOCK_EVENT_NAMES: readonly BlockEventBody['name'][] = LEDGER_EVENT_NAMES.filter(
  (name): name is BlockEventBody['name'] =>
    name !== 'VerdictsRecorded' && name !== 'OutcomesDecided',
);

/** True when `name` is an event this protocol defines. */
export function isLedgerEventName(name: string): name is LedgerEventName {
  return (LEDGER_EVENT_NAMES as readonly string[]).includes(name);
}

type FieldKind = 'string' | 'number' | 'strings' | 'list';

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
    VerdictsRecorded: { verdicts: 'list' },
    OutcomesDecided: { outcomes: 'list' },
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
    case 'list':
      return Array.isArray(value);
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
  checkPayload(name, payload, `${name} event`);
  const lists = { VerdictsRecorded: 'verdicts', OutcomesDecided: 'outcomes' } as const;
  if (name === 'VerdictsRecorded' || name === 'OutcomesDecided') {
    const field = lists[name];
    const items = (payload as Record<string, unknown[]>)[field] ?? [];
    const itemName = name === 'VerdictsRecorded' ? 'VerdictRecorded' : 'OutcomeDecided';
    items.forEach((item, index) =>
      checkPayload(itemName, item, `${name} event: ${field}[${index}]`),
    );
  }
  return { name, payload } as LedgerEventBody;
}

function checkPayload(name: LedgerEventName, payload: unknown, label: string): void {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`${label}: the payload is not a JSON object`);
  }
  for (const [field, kind] of Object.entries(requiredFields[name])) {
    if (!hasKind((payload as Record<string, unknown>)[field], kind)) {
      throw new TypeError(`${label}: ${field} is missing or not a ${kind}`);
    }
  }
}

/**
 * Decodes a contract event into the per-block events it stands for: one for an event about one
 * block, one per listed block for a shared transaction's, none for an event this protocol does not
 * define. Throws as {@link decodeLedgerEvent} does.
 */
export function decodeBlockEvents(name: string, json: string): BlockEventBody[] {
  const body = decodeLedgerEvent(name, json);
  if (body === undefined) return [];
  switch (body.name) {
    case 'VerdictsRecorded':
      return body.payload.verdicts.map((payload) => ({ name: 'VerdictRecorded', payload }));
    case 'OutcomesDecided':
      return body.payload.outcomes.map((payload) => ({ name: 'OutcomeDecided', payload }));
    default:
      return [body];
  }
}
