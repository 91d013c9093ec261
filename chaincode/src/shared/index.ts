/**
 * The agreed hashing rule (`corroborate-v1`) and the model shared by the contract and every
 * off-chain component. Deterministic: no clock, no randomness, no I/O.
 *
 * @packageDocumentation
 */
export { SCHEME } from './scheme';
export type { Scheme } from './scheme';
export { RuleError } from './errors';
export type { RuleErrorCode } from './errors';
export { canonicalJson } from './canonical-json';
export { sha256Hex, isDigestHex } from './digest';
export { FIELD_TYPES, fieldTypeFromDeclared, isFieldType } from './field-types';
export type { FieldType } from './field-types';
export { isCanonicalValue, toCanonicalValue } from './values';
export type { CanonicalValue, JsonValue } from './values';
export {
  canonicalRecord,
  compareFieldNames,
  hashField,
  hashRecord,
  proveField,
  recordHashFromFieldHashes,
  verifyFieldProof,
} from './record';
export type { CanonicalRecord, FieldProof, RecordHashes } from './record';
export { batchRoot, proveRecord, verifyRecordProof } from './batch';
export type { RecordProof } from './batch';
export { certificateFingerprint, firstBlockSigningPayload, verifySignature } from './signature';
export { CONNECTOR_KINDS, LIMITS, MODES, VERDICT_REASONS, VERDICT_RESULTS } from './model';
export type {
  ConnectorKind,
  FirstBlockContent,
  FirstBlockRecord,
  HttpRead,
  KeyValue,
  Mode,
  ReadParameter,
  Requester,
  SourceInterface,
  SqlRead,
  VerdictInput,
  VerdictReason,
  VerdictResult,
} from './model';
export { parseFirstBlockContent, parseSignedFirstBlockContent } from './first-block';
export type { SignedFirstBlockContent } from './first-block';
export { parseVerdictInput } from './verdict';
