import type {
  CanonicalRecord,
  CryptoPort,
  FieldProof,
  FirstBlockContent,
  FirstBlockRecord,
  FirstBlockView,
  OutcomeStatus,
  OutcomeView,
  RecheckHistory,
  RecheckRoundView,
  RecordProof,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';

/**
 * The format receipts are written in: `corroborate-receipt-v2` carries each verdict's signature
 * and its signer's certificate. `corroborate-receipt-v1` receipts, which have neither, still
 * verify as far as they can (see {@link ReceiptVerification.consensus}).
 */
export const RECEIPT_FORMAT = 'corroborate-receipt-v2';
/** Every format the verifier reads, oldest first. */
export const RECEIPT_FORMATS = ['corroborate-receipt-v1', RECEIPT_FORMAT] as const;
export type ReceiptFormat = (typeof RECEIPT_FORMATS)[number];

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
 * by its requester and each verdict by its participant (`signature`, `signerCertificate`), so
 * that with the consortium's CA certificates ({@link ConsortiumTrust}) a verifier can tell who
 * vouched for what. The outcome is authenticated by the ledger transaction it names (`txId`,
 * `blockNumber`) and follows from the verdicts by the protocol's rule; `digest` binds it all.
 */
export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  readonly channel?: string;
  readonly chaincode?: string;
  readonly block: ReceiptBlock;
  readonly verdicts: ReceiptVerdict[];
  readonly outcome: ReceiptOutcome;
  readonly proofs: ReceiptProof[];
  /**
   * The latest re-verification round of the block, when it has had one: every attestation in it,
   * each signed by its participant over the block, the round and what it attests. Absent when the
   * block was never re-checked.
   */
  readonly recheck?: RecheckRoundView;
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
  /** The block's re-verification rounds; without it, a receipt carries none. */
  getRechecks?(blockId: string): Promise<RecheckHistory>;
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

/**
 * Whether the receipt proves its outcome as the consortium's decision: only against a trust file,
 * only for a receipt whose verdicts are signed, and only for a decided outcome (accepted or
 * rejected), once enough distinct trusted voters signed verdicts that decide it.
 */
export interface ConsensusFinding {
  readonly proven: boolean;
  /** What was proven, or what is unproven and why. */
  readonly detail: string;
}

export interface ReceiptVerification {
  /**
   * True when every check passed: the receipt is intact and consistent, and everything the
   * given trust could check holds. Whether it proves the consensus is `consensus`.
   */
  readonly valid: boolean;
  readonly blockId?: string;
  /** The outcome the receipt claims; meaningful only when `valid`. */
  readonly status?: OutcomeStatus;
  /** The receipt's format, once it is known. */
  readonly format?: ReceiptFormat;
  readonly consensus: ConsensusFinding;
  readonly checks: ReceiptCheck[];
}

/**
 * What a verifier trusts about the consortium, independent of any receipt: each organisation's
 * MSP id and the CA certificates that issue its identities, and which organisations make up the
 * consortium — `participants`, the expected participant set, or at least `minParticipants` of
 * the listed organisations in the block's own snapshot. Exactly one of the two is given. Read
 * from a trust file by `readTrustFile`.
 */
export interface ConsortiumTrust {
  /** MSP id → PEM certificates of the CAs (roots, intermediates) that issue its identities. */
  readonly organisations: Readonly<Record<string, readonly string[]>>;
  readonly participants?: readonly string[];
  readonly minParticipants?: number;
}

export interface VerifyReceiptOptions {
  /**
   * The consortium trust: with it, the requester certificate must be issued by the requester
   * organisation's CA, each verdict's certificate by its own organisation's CA, and a claimed
   * decision must be signed by enough distinct trusted voters (the threshold over the trusted
   * set). Only then is the consensus proven.
   */
  readonly trust?: ConsortiumTrust;
  /**
   * PEM certificates trusted to issue the requester certificate (an MSP's root and intermediate
   * CAs), without a trust file: the requester certificate must be issued by one of them and valid
   * when the first block was created. It proves nothing about the verdicts.
   */
  readonly trustedCertificates?: readonly string[];
  /**
   * The certificate parsing and signature checks to use: node:crypto unless given, a browser's
   * own in the dashboard, so that both run the same verification.
   */
  readonly crypto?: CryptoPort;
}
