import type {
  CryptoPort,
  FieldProof,
  FirstBlockView,
  OutcomeStatus,
  OutcomeView,
  RecordProof,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';

export const RECEIPT_FORMAT = 'corroborate-receipt-v1';

/** The first block as the ledger stores it, with the number of the ledger block that holds it. */
export interface ReceiptBlock extends StoredFirstBlock {
  /** Decimal, as Fabric block numbers are unsigned 64-bit. */
  readonly blockNumber: string;
}

export interface ReceiptVerdict extends Verdict {
  readonly blockNumber: string;
}

export interface ReceiptOutcome extends OutcomeView {
  /** Present when the outcome is recorded on the ledger. */
  readonly blockNumber?: string;
}

/** Shows one record belongs to the batch and, optionally, one field's value belongs to the record. */
export interface ReceiptProof {
  readonly record: number;
  readonly recordProof: RecordProof;
  readonly fieldProof?: FieldProof;
}

/**
 * A portable copy of a consensus result that anyone can check offline. The first block is signed
 * by its requester; the verdicts and the outcome are authenticated by the ledger transactions they
 * name (`txId`, `blockNumber`), and bound to the rest of the receipt by `digest`.
 */
export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  readonly channel?: string;
  readonly chaincode?: string;
  readonly block: ReceiptBlock;
  readonly verdicts: ReceiptVerdict[];
  readonly outcome: ReceiptOutcome;
  readonly proofs: ReceiptProof[];
  /** sha256Hex(canonicalJson(the receipt without `digest`)). */
  readonly digest: string;
}

/**
 * What building a receipt reads from the ledger. The gateway's ledger facade is one; receipts name
 * only these two reads so that they never load the facade, and with it Fabric.
 */
export interface ReceiptLedger {
  getFirstBlock(blockId: string): Promise<FirstBlockView>;
  /** The number of the ledger block that holds a transaction. */
  blockNumberOf(transactionId: string): Promise<bigint>;
}

/** A proof to include: record `record` of the batch, and its field `field` when given. */
export interface ProofRequest {
  readonly record: number;
  readonly field?: string;
}

export interface BuildReceiptOptions {
  readonly proofs?: readonly ProofRequest[];
  /** Names the channel and chaincode, so that a reader knows which ledger to consult. */
  readonly channel?: string;
  readonly chaincode?: string;
}

export interface ReceiptCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReceiptVerification {
  /** True when every check passed. */
  readonly valid: boolean;
  readonly blockId?: string;
  /** The outcome the receipt claims; meaningful only when `valid`. */
  readonly status?: OutcomeStatus;
  readonly checks: ReceiptCheck[];
}

export interface VerifyReceiptOptions {
  /**
   * PEM certificates trusted to issue requester certificates (an MSP's root and intermediate
   * CAs). When given, the requester certificate must be issued by one of them and valid when the
   * first block was created.
   */
  readonly trustedCertificates?: readonly string[];
  /**
   * The certificate parsing and signature checks to use: node:crypto unless given, a browser's
   * own in the dashboard, so that both run the same verification.
   */
  readonly crypto?: CryptoPort;
}
