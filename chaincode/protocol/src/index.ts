/**
 * Corroborate's protocol, written once for the contract and every off-chain component: the
 * agreed hashing rule (`corroborate-v1`, and `corroborate-v2` with salted field leaves), the first block and verdict model, the counting rule
 * that turns verdicts into an outcome, time, the ledger's state shapes, the contract's events
 * and its error codes. Deterministic: no clock, no randomness, no I/O, no Fabric.
 *
 * @packageDocumentation
 * @module @corroborate/protocol
 */
export { DEFAULT_SCHEME, SCHEMES, SCHEME_V1, SCHEME_V2, isScheme } from './scheme';
export type { Scheme } from './scheme';
export {
  SALT_BYTES,
  SALT_TAG,
  fieldSalt,
  isSaltHex,
  saltsFromList,
  saltsFromSeed,
  saltsOfBlock,
} from './salt';
export type { BlockSalts, FieldSalts } from './salt';
export { RuleError } from './errors';
export type { RuleErrorCode } from './errors';
export { canonicalJson } from './canonical-json';
export { sha256Hex, isDigestHex } from './digest';
export { FIELD_TYPES, fieldTypeFromDeclared, isFieldType } from './field-types';
export type { FieldType } from './field-types';
export { isCanonicalValue, toCanonicalValue } from './values';
export type { CanonicalValue, JsonValue } from './values';
export {
  FIELD_LEAF_TAG,
  canonicalRecord,
  compareFieldNames,
  hashField,
  hashRecord,
  hashSaltedField,
  proveField,
  recordHashFromFieldHashes,
  verifyFieldProof,
} from './record';
export type { CanonicalRecord, FieldProof, RecordHashes } from './record';
export { batchRoot, proveRecord, verifyRecordProof } from './batch';
export type { RecordProof } from './batch';
export {
  VERDICT_SIGNATURE_CONTEXT,
  certificateFingerprint,
  firstBlockSigningPayload,
  verdictSigningPayload,
  verdictSubjectOf,
  verdictSubjectOfMeta,
  verifySignature,
} from './signature';
export type { VerdictSubject } from './signature';
export type { CryptoPort, ParsedCertificate } from './crypto-port';
export { nodeCrypto } from './node-crypto';
export {
  ABSTENTION_REASONS,
  CONNECTOR_KINDS,
  EVIDENCE_REASONS,
  LIMITS,
  MODES,
  VERDICT_REASONS,
  VERDICT_RESULTS,
  resultOfReason,
} from './model';
export type {
  AbstentionReason,
  EvidenceReason,
  ConnectorKind,
  DifferingFields,
  FirstBlockContent,
  FirstBlockRecord,
  HttpRead,
  KeyValue,
  Mode,
  ReadParameter,
  Requester,
  SourceInterface,
  SqlRead,
  VerdictBody,
  VerdictInput,
  VerdictReason,
  VerdictResult,
} from './model';
export { parseFirstBlockContent, parseSignedFirstBlockContent } from './first-block';
export type { SignedFirstBlockContent } from './first-block';
export { maxVerdictSignatureChars, parseVerdictBody, parseVerdictInput } from './verdict';
export {
  canStillAccept,
  computeThreshold,
  countVerdicts,
  decideByCounts,
  decideOutcome,
  defaultQuorumRatio,
  isGovernanceMajority,
  isOutcomeStatus,
  meetsMinQuorumRatio,
  minQuorumRatio,
  outcomeStatuses,
  parseQuorumRatio,
  thresholdFor,
  voterThreshold,
  votersOf,
} from './threshold';
export type { Decision, OutcomeStatus, QuorumRatio, Tally } from './threshold';
export {
  PROPOSAL_LIFETIME_SECONDS,
  TIME_WINDOW_SECONDS,
  expiryOf,
  formatInstant,
  instantFromTimestamp,
  maxDeadlineAhead,
  parseUtcTimestamp,
  proposalExpiryOf,
  proposalLifetime,
  timeWindow,
} from './time';
export type { Instant } from './time';
export type {
  FirstBlockListItem,
  FirstBlockMeta,
  FirstBlockPage,
  FirstBlockSummary,
  FirstBlockView,
  Outcome,
  OutcomeView,
  ParticipantChange,
  ParticipantSet,
  Proposal,
  ProposalStatus,
  StoredFirstBlock,
  Verdict,
} from './state';
export {
  ATTESTATION_REASONS,
  ATTESTATION_RESULTS,
  ATTESTATION_SIGNATURE_CONTEXT,
  MAX_RECHECK_ROUND,
  UNREADABLE_REASONS,
  attestationSigningPayload,
  attestationSubjectOf,
  parseAttestationInput,
  parseRecheckRound,
} from './recheck';
export type {
  Attestation,
  AttestationBody,
  AttestationInput,
  AttestationReason,
  AttestationResult,
  AttestationSubject,
  RecheckHistory,
  RecheckRound,
  RecheckRoundView,
} from './recheck';
export {
  BLOCK_EVENT_NAMES,
  LEDGER_EVENT_NAMES,
  decodeBlockEvents,
  decodeLedgerEvent,
  isLedgerEventName,
} from './events';
export type {
  BlockEventBody,
  LedgerEventBody,
  LedgerEventName,
  LedgerEventPayloads,
  SharedEventName,
} from './events';
export { contractErrorCatalogue, isContractErrorCode } from './error-codes';
export type { ContractErrorCode } from './error-codes';
