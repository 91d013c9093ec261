/**
 * Receipts: a portable copy of a consensus result, checked offline with no peer.
 *
 * @packageDocumentation
 */
export { buildReceipt, receiptDigest, serializeReceipt } from './receipt/build';
export { verifyReceipt, verifyReceiptText } from './receipt/verify';
export { RECEIPT_FORMAT, RECEIPT_FORMATS } from './receipt/model';
export type {
  BuildReceiptOptions,
  ConsensusFinding,
  ConsortiumTrust,
  ProofRequest,
  Receipt,
  ReceiptBlock,
  ReceiptCheck,
  ReceiptFormat,
  ReceiptLedger,
  ReceiptRecordReader,
  ReceiptOutcome,
  ReceiptProof,
  ReceiptVerdict,
  ReceiptVerification,
  VerifyReceiptOptions,
} from './receipt/model';
