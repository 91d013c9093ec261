import type {
  CanonicalRecord,
  CryptoPort,
  FieldProof,
  FirstBlockContent,
  FirstBlockRecord,
  FirstBlockView,
  OutcomeStatus,
  OutcomeView,
  RecordProof,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';

export const RECEIPT_FORMAT = 'corroborate-receipt-v1';

/**
 * The first block as the ledger stores it, without the seed of its salts, with the number of the
 * ledger block that holds it.
 */
export interface ReceiptBlock extends Omit<StoredFirstBlock, 'saltSeed'> {
  /** Decimal, as Fabric block numbers are unsigned 64-bit. */
  readonly blockNumber: string;
  /**
   * For a `corroborate-v2` block with data, whose values the receipt discloses anyway: the salt
   * of every field of every record (hex), by record index, so that the data can be hashed. Absent
   * otherwise: a hash-only block's field proofs carry the salt of their own field alone.
   */
  readonly fieldSalts?: Record<string, string>[];
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

/**
 * Reads a record of a block from the member's own copy of the block's source: how a field proof
 * of a hash-only block, which carries no values, gets its value.
 */
export type ReceiptRecordReader = (
  content: FirstBlockContent,
  record: FirstBlockRecord,
) => Promise<CanonicalRecord>;

export interface BuildReceiptOptions {
  readonly proofs?: readonly ProofRequest[];
  /**
   * For field proofs of hash-only blocks: without it, a hash-only block gets record proofs only.
   * The record read must still hash to the block's record hash.
   */
  readonly readRecord?: ReceiptRecordReader;
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
