import {
  canonicalJson,
  proveField,
  proveRecord,
  sha256Hex,
  type FirstBlockContent,
} from '@corroborate/protocol';
import { CorroborateError } from '../errors';
import {
  RECEIPT_FORMAT,
  type BuildReceiptOptions,
  type ProofRequest,
  type Receipt,
  type ReceiptLedger,
  type ReceiptOutcome,
  type ReceiptProof,
} from './model';

/**
 * Builds a receipt for a first block from what the ledger holds: the block, its verdicts and its
 * outcome, each with the number of the ledger block holding its transaction, and the requested
 * inclusion proofs.
 *
 * @throws CorroborateError `INVALID_REQUEST` when a proof names a record or field the block does
 * not have, or asks for a field proof of a hash-only block (it carries no field values).
 */
export async function buildReceipt(
  ledger: ReceiptLedger,
  blockId: string,
  options: BuildReceiptOptions = {},
): Promise<Receipt> {
  const view = await ledger.getFirstBlock(blockId);
  const proofs = (options.proofs ?? []).map((request, index) =>
    newProof(view.block.content, request, `proofs[${index}]`),
  );
  const outcomeTxId = view.outcome.recorded ? view.outcome.txId : undefined;
  const [blockNumber, verdictNumbers, outcomeNumber] = await Promise.all([
    ledger.blockNumberOf(view.block.txId),
    Promise.all(view.verdicts.map((verdict) => ledger.blockNumberOf(verdict.txId))),
    outcomeTxId ? ledger.blockNumberOf(outcomeTxId) : undefined,
  ]);
  const outcome: ReceiptOutcome =
    outcomeNumber === undefined
      ? view.outcome
      : { ...view.outcome, blockNumber: outcomeNumber.toString() };
  const body: Omit<Receipt, 'digest'> = {
    format: RECEIPT_FORMAT,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.chaincode ? { chaincode: options.chaincode } : {}),
    block: { ...view.block, blockNumber: blockNumber.toString() },
    verdicts: view.verdicts.map((verdict, index) => ({
      ...verdict,
      blockNumber: (verdictNumbers[index] ?? 0n).toString(),
    })),
    outcome,
    proofs,
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

function newProof(content: FirstBlockContent, request: ProofRequest, path: string): ReceiptProof {
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
  if (record.data === undefined) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      `${path}.field: block ${content.id} is hash-only: it carries no field values, so no field proof can be made`,
    );
  }
  if (!Object.hasOwn(record.data, field)) {
    throw new CorroborateError(
      'INVALID_REQUEST',
      `${path}.field: record ${index} of block ${content.id} has no field ${JSON.stringify(field)}`,
    );
  }
  return { record: index, recordProof, fieldProof: proveField(record.data, field) };
}
