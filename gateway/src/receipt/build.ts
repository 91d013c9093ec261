import {
  canonicalJson,
  hashRecord,
  proveField,
  proveRecord,
  saltsOfBlock,
  sha256Hex,
  type BlockSalts,
  type CanonicalRecord,
  type FirstBlockContent,
  type StoredFirstBlock,
} from '@corroborate/protocol';
import { CorroborateError } from '../errors';
import {
  RECEIPT_FORMAT,
  type BuildReceiptOptions,
  type ProofRequest,
  type Receipt,
  type ReceiptLedger,
  type ReceiptBlock,
  type ReceiptOutcome,
  type ReceiptProof,
  type ReceiptRecordReader,
} from './model';

/**
 * Builds a receipt for a first block from what the ledger holds: the block, its verdicts and its
 * outcome, each with the number of the ledger block holding its transaction, and the requested
 * inclusion proofs.
 *
 * The receipt never carries the block's salt seed. A field proof of a `corroborate-v2` block
 * carries the salt of its own field alone; a block with data carries every field's salt, as it
 * discloses every value. A field proof of a hash-only block takes its value from the member's own
 * source (`options.readRecord`), which must still hash to the block's record hash.
 *
 * @throws CorroborateError `INVALID_REQUEST` when a proof names a record or field the block does
 * not have, or asks for a field proof of a hash-only block with no `readRecord`; `RECORD_CHANGED`
 * when the record read for it no longer hashes to the block's record hash.
 */
export async function buildReceipt(
  ledger: ReceiptLedger,
  blockId: string,
  options: BuildReceiptOptions = {},
): Promise<Receipt> {
  const view = await ledger.getFirstBlock(blockId);
  const salts = saltsOfBlock(view.block);
  const proofs: ReceiptProof[] = [];
  for (const [index, request] of (options.proofs ?? []).entries()) {
    proofs.push(
      await newProof(view.block.content, salts, request, `proofs[${index}]`, options.readRecord),
    );
  }
  const outcomeTxId = view.outcome.recorded ? view.outcome.txId : undefined;
  const [blockNumber, verdictNumbers, outcomeNumber, history] = await Promise.all([
    ledger.blockNumberOf(view.block.txId),
    Promise.all(view.verdicts.map((verdict) => ledger.blockNumberOf(verdict.txId))),
    outcomeTxId ? ledger.blockNumberOf(outcomeTxId) : undefined,
    ledger.getRechecks?.(blockId),
  ]);
  const latestRound = history?.rounds.at(-1);
  const outcome: ReceiptOutcome =
    outcomeNumber === undefined
      ? view.outcome
      : { ...view.outcome, blockNumber: outcomeNumber.toString() };
  const body: Omit<Receipt, 'digest'> = {
    format: RECEIPT_FORMAT,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.chaincode ? { chaincode: options.chaincode } : {}),
    block: receiptBlock(view.block, blockNumber, salts),
    verdicts: view.verdicts.map((verdict, index) => ({
      ...verdict,
      blockNumber: (verdictNumbers[index] ?? 0n).toString(),
    })),
    outcome,
    proofs,
    ...(latestRound ? { recheck: latestRound } : {}),
  };
  return { ...body, digest: receiptDigest(body) };
}

/** The digest that binds every field of a receipt, including those nobody in it signed. */
export function receiptDigest(body: object): string {
  return sha256Hex(canonicalJson(body));
}

/**
 * The one encoding of a receipt: canonical JSON and a newline. Any other byte sequence, even one
 * that parses to the same receipt, fails offline verification, so a receipt file cannot be
 * altered unnoticed.
 */
export function serializeReceipt(receipt: Receipt): string {
  return `${canonicalJson(receipt)}\n`;
}

/** The stored block without its seed; with every field's salt when it discloses every value. */
function receiptBlock(
  block: StoredFirstBlock,
  blockNumber: bigint,
  salts: BlockSalts | undefined,
): ReceiptBlock {
  const stored = Object.fromEntries(
    Object.entries(block).filter(([key]) => key !== 'saltSeed'),
  ) as Omit<StoredFirstBlock, 'saltSeed'>;
  const { content } = block;
  const fieldSalts =
    salts === undefined || content.hashOnly
      ? undefined
      : content.records.map((record, index) => {
          const saltOf = salts(index);
          return Object.fromEntries(
            Object.keys(record.fieldHashes).map((name) => [
              name,
              Buffer.from(saltOf(name)).toString('hex'),
            ]),
          );
        });
  return {
    ...stored,
    blockNumber: blockNumber.toString(),
    ...(fieldSalts === undefined ? {} : { fieldSalts }),
  };
}

async function newProof(
  content: FirstBlockContent,
  salts: BlockSalts | undefined,
  request: ProofRequest,
  path: string,
  readRecord: ReceiptRecordReader | undefined,
): Promise<ReceiptProof> {
  const { record: index, field } = request;
  const record = Number.isSafeInteger(index) ? content.records[index] : undefined;
  if (record === undefined) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      `${path}.record: block ${content.id} has records 0..${content.records.length - 1}, not ${String(index)}`,
    );
  }
  const recordProof = proveRecord(
    content.records.map((each) => each.recordHash),
    index,
  );
  if (field === undefined) {
    return { record: index, recordProof };
  }
  if (!Object.hasOwn(record.fieldHashes, field)) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      `${path}.field: record ${index} of block ${content.id} has no field ${JSON.stringify(field)}`,
    );
  }
  const recordSalts = salts?.(index);
  let data: CanonicalRecord;
  if (record.data !== undefined) {
    data = record.data;
  } else if (readRecord === undefined) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      `${path}.field: block ${content.id} is hash-only: it carries no field values, so no field proof can be made`,
    );
  } else {
    // Hash-only: the value comes from this member's own source, and must be what was signed.
    data = await readRecord(content, record);
    if (hashRecord(data, recordSalts).recordHash !== record.recordHash) {
      throw new CorroborateError(
        'RECORD_CHANGED',
        `${path}: record ${index} of block ${content.id} reads differently from the source now, so no field proof can be made`,
      );
    }
  }
  return { record: index, recordProof, fieldProof: proveField(data, field, recordSalts) };
}
