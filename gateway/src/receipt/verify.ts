import {
  batchRoot,
  canonicalJson,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  isDigestHex,
  nodeCrypto,
  parseFirstBlockContent,
  parseVerdictInput,
  recordHashFromFieldHashes,
  saltsFromList,
  sha256Hex,
  SCHEME_V2,
  verifyFieldProof,
  verifyRecordProof,
  verifySignature,
  type BlockSalts,
  type CryptoPort,
  type FieldProof,
  type FirstBlockContent,
  type RecordProof,
} from '@corroborate/protocol';
import {
  TIME_WINDOW_SECONDS,
  countVerdicts,
  decideByCounts,
  expiryOf,
  outcomeStatuses,
  parseUtcTimestamp,
  thresholdFor,
  votersOf,
} from '@corroborate/protocol';
import type { OutcomeStatus, VerdictResult } from '@corroborate/protocol';
import {
  RECEIPT_FORMAT,
  type ReceiptCheck,
  type ReceiptVerification,
  type VerifyReceiptOptions,
} from './model';

type Json = Record<string, unknown>;

const receiptKeys = ['format', 'channel', 'chaincode', 'block', 'verdicts', 'outcome', 'proofs'];
const blockKeys = [
  'content',
  'signature',
  'requesterCertificate',
  'contentHash',
  'participants',
  'threshold',
  'quorumRatio',
  'createdAt',
  'txId',
  'blockNumber',
  'fieldSalts',
];
const verdictKeys = [
  'blockId',
  'participant',
  'result',
  'observedHash',
  'reason',
  'attempts',
  'failedRecords',
  'differingFields',
  'recordedAt',
  'txId',
  'blockNumber',
];
const outcomeKeys = [
  'status',
  'recorded',
  'valid',
  'invalid',
  'unverifiable',
  'participants',
  'threshold',
  'decidedAt',
  'txId',
  'blockNumber',
];
const proofKeys = ['record', 'recordProof', 'fieldProof'];

// Fabric transaction ids are SHA-256 digests in hex; block numbers are unsigned 64-bit decimals.
const transactionId = /^[0-9a-f]{64}$/;
const blockNumberText = /^(0|[1-9][0-9]{0,19})$/;

/** Thrown inside a check to fail it with a reason. */
class CheckFailure extends Error {}

function ensure(condition: boolean, why: string): asserts condition {
  if (!condition) throw new CheckFailure(why);
}

/**
 * Checks a receipt offline, with no peer: its format and digest, the requester's signature over
 * the first block, every hash and proof, and that the verdicts and the outcome agree with the
 * participant snapshot and the threshold. Pure; never throws.
 *
 * What it cannot check without a ledger is that the verdicts and the outcome were committed: they
 * are authenticated by the transactions they name. Without `trustedCertificates` it cannot check
 * that the requester certificate was issued by the requester's organisation either.
 */
export function verifyReceipt(
  receipt: unknown,
  options: VerifyReceiptOptions = {},
): ReceiptVerification {
  const checks: ReceiptCheck[] = [];
  const run = (name: string, check: () => string): boolean => {
    try {
      checks.push({ name, ok: true, detail: check() });
      return true;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      checks.push({ name, ok: false, detail });
      return false;
    }
  };
  const crypto = options.crypto ?? nodeCrypto;
  const finish = (
    extra: { blockId?: string; status?: OutcomeStatus } = {},
  ): ReceiptVerification => ({
    valid: checks.every((check) => check.ok),
    ...extra,
    checks,
  });

  if (!run('format', () => checkFormat(receipt))) return finish();
  const input = receipt as Json;
  const block = input.block as Json;
  const verdicts = input.verdicts as Json[];
  const outcome = input.outcome as Json;
  const proofs = input.proofs as Json[];

  run('digest', () => checkDigest(input));
  let content: FirstBlockContent | undefined;
  // A receipt carries no salt seed: a corroborate-v2 block with data carries every field's salt.
  const salts = saltsFromList(Array.isArray(block.fieldSalts) ? block.fieldSalts : []);
  run('content', () => {
    content = parseFirstBlockContent(block.content, salts);
    return `first block ${content.id}: ${content.records.length} record(s), scheme ${content.scheme}`;
  });
  if (content === undefined) return finish();
  const parsed: FirstBlockContent = content;
  const payload = firstBlockSigningPayload(parsed);

  run('contentHash', () => {
    ensure(block.contentHash === sha256Hex(payload), 'is not the SHA-256 of the signed content');
    return 'SHA-256 of the signed content';
  });
  run('certificateFingerprint', () => {
    const fingerprint = certificateFingerprint(String(block.requesterCertificate), crypto);
    ensure(
      fingerprint === parsed.requester.certFingerprint,
      `the requester certificate has fingerprint ${fingerprint}, the content names ${parsed.requester.certFingerprint}`,
    );
    return `requester ${parsed.requester.mspId}, certificate ${fingerprint}`;
  });
  run('signature', () => {
    ensure(
      verifySignature(payload, String(block.signature), String(block.requesterCertificate), crypto),
      'the signature does not verify with the requester certificate',
    );
    return 'ECDSA P-256 signature of the requester over the canonical content';
  });
  if (options.trustedCertificates !== undefined) {
    const trusted = options.trustedCertificates;
    run('certificateChain', () =>
      checkCertificateChain(
        String(block.requesterCertificate),
        String(block.createdAt),
        trusted,
        crypto,
      ),
    );
  }
  run('records', () => checkRecords(parsed, block, salts));
  run('batchRoot', () => {
    ensure(
      batchRoot(parsed.records.map((record) => record.recordHash)) === parsed.batchRoot,
      'does not match the record hashes',
    );
    return parsed.batchRoot;
  });
  run('participants', () => checkSnapshot(parsed, block));
  run('verdicts', () => checkVerdicts(parsed, block, verdicts));
  run('outcome', () => checkOutcome(parsed, block, verdicts, outcome));
  run('proofs', () => checkProofs(parsed, proofs));
  const status = outcome.status as OutcomeStatus;
  return finish({ blockId: parsed.id, status });
}

function checkFormat(receipt: unknown): string {
  ensure(isObject(receipt), 'a receipt is a JSON object');
  ensure(receipt.format === RECEIPT_FORMAT, `format must be '${RECEIPT_FORMAT}'`);
  assertKeys(receipt, [...receiptKeys, 'digest'], 'receipt');
  for (const key of ['channel', 'chaincode']) {
    ensure(
      receipt[key] === undefined || typeof receipt[key] === 'string',
      `${key} must be a string`,
    );
  }
  ensure(isObject(receipt.block), 'block must be an object');
  assertKeys(receipt.block, blockKeys, 'block');
  ensure(Array.isArray(receipt.verdicts), 'verdicts must be an array');
  ensure(isObject(receipt.outcome), 'outcome must be an object');
  assertKeys(receipt.outcome, outcomeKeys, 'outcome');
  ensure(Array.isArray(receipt.proofs), 'proofs must be an array');
  ensure(isDigestHex(receipt.digest), 'digest must be 64 lowercase hex digits');
  return RECEIPT_FORMAT;
}

function checkDigest(receipt: Json): string {
  const { digest, ...body } = receipt;
  ensure(digest === sha256Hex(canonicalJson(body)), 'does not match the receipt: it was altered');
  return String(digest);
}

function checkCertificateChain(
  certificatePem: string,
  createdAt: string,
  trustedPems: readonly string[],
  crypto: CryptoPort,
): string {
  const certificate = crypto.parseCertificate(certificatePem);
  const issuer = trustedPems
    .map((pem) => crypto.parseCertificate(pem))
    .find((candidate) => certificate.isIssuedBy(candidate));
  ensure(issuer !== undefined, `${certificate.subject} is not issued by a trusted certificate`);
  const signedAt = Date.parse(createdAt);
  ensure(
    signedAt >= certificate.notBefore && signedAt <= certificate.notAfter,
    `the requester certificate was not valid at ${createdAt}`,
  );
  return `issued by ${issuer.subject.replace(/\n/g, ', ')}`;
}

function checkRecords(content: FirstBlockContent, block: Json, salts: BlockSalts): string {
  const salted = content.scheme === SCHEME_V2;
  ensure(
    block.fieldSalts === undefined || (salted && !content.hashOnly),
    `fieldSalts belong to a ${SCHEME_V2} block with data only`,
  );
  content.records.forEach((record, index) => {
    if (record.data !== undefined) {
      const hashes = hashRecord(record.data, salted ? salts(index) : undefined);
      ensure(
        hashes.recordHash === record.recordHash,
        `records[${index}]: data does not hash to recordHash`,
      );
      ensure(
        canonicalJson(hashes.fieldHashes) === canonicalJson(record.fieldHashes),
        `records[${index}]: data does not hash to fieldHashes`,
      );
    }
    ensure(
      recordHashFromFieldHashes(record.fieldHashes) === record.recordHash,
      `records[${index}]: fieldHashes do not give recordHash`,
    );
  });
  const how = content.hashOnly
    ? 'hash-only: field hashes give each record hash'
    : 'data hashes to each record';
  return `${content.records.length} record(s), ${how}`;
}

function checkSnapshot(content: FirstBlockContent, block: Json): string {
  const participants = block.participants;
  ensure(
    Array.isArray(participants) &&
      participants.length > 0 &&
      participants.every((participant) => typeof participant === 'string' && participant !== ''),
    'participants must be a non-empty list of MSP ids',
  );
  ensure(new Set(participants).size === participants.length, 'participants must be unique');
  ensure(
    participants.includes(content.requester.mspId),
    `participants must include the requester ${content.requester.mspId}`,
  );
  // The threshold is over the voters: the snapshot without the requester.
  const voters = votersOf(participants, content.requester.mspId).length;
  const threshold =
    typeof block.quorumRatio === 'string' ? thresholdFor(voters, block.quorumRatio) : undefined;
  ensure(
    block.threshold === threshold,
    `threshold must be max(1, ceil(${voters} voter(s) × ${String(block.quorumRatio)})) = ${threshold}`,
  );
  ensure(timeOf(block.createdAt) !== undefined, 'createdAt must be an RFC 3339 UTC timestamp');
  ensure(
    typeof block.txId === 'string' && transactionId.test(block.txId),
    'txId must be a transaction id',
  );
  ensure(isBlockNumber(block.blockNumber), 'blockNumber must be a decimal block number');
  return `${participants.length} participant(s), ${voters} voter(s), threshold ${threshold} (ratio ${String(block.quorumRatio)})`;
}

function checkVerdicts(content: FirstBlockContent, block: Json, verdicts: Json[]): string {
  const snapshot = block.participants as string[];
  const deadline = timeOf(content.deadline);
  const seen = new Set<string>();
  verdicts.forEach((verdict, index) => {
    const path = `verdicts[${index}]`;
    ensure(isObject(verdict), `${path} must be an object`);
    assertKeys(verdict, verdictKeys, path);
    ensure(verdict.blockId === content.id, `${path}.blockId must be ${content.id}`);
    const participant = verdict.participant;
    ensure(
      typeof participant === 'string' && snapshot.includes(participant),
      `${path}: ${String(participant)} is not in the block's participant snapshot`,
    );
    ensure(
      participant !== content.requester.mspId,
      `${path}: ${participant} is the requester, whose verdict never counts`,
    );
    ensure(!seen.has(participant), `${path}: a second verdict from ${participant}`);
    seen.add(participant);
    try {
      parseVerdictInput(
        {
          result: verdict.result,
          observedHash: verdict.observedHash,
          reason: verdict.reason,
          attempts: verdict.attempts,
          ...(verdict.failedRecords === undefined ? {} : { failedRecords: verdict.failedRecords }),
          ...(verdict.differingFields === undefined
            ? {}
            : { differingFields: verdict.differingFields }),
        },
        content.records.length,
      );
    } catch (error) {
      throw new CheckFailure(`${path}: ${(error as Error).message}`);
    }
    ensure(
      verdict.result !== 'valid' || verdict.observedHash === content.batchRoot,
      `${path}: a valid verdict must have observed the batch root`,
    );
    const recordedAt = timeOf(verdict.recordedAt);
    ensure(recordedAt !== undefined, `${path}.recordedAt must be an RFC 3339 UTC timestamp`);
    ensure(
      deadline === undefined || recordedAt <= deadline,
      `${path}: recorded after the deadline ${content.deadline}`,
    );
    ensure(
      typeof verdict.txId === 'string' && transactionId.test(verdict.txId),
      `${path}.txId must be a transaction id`,
    );
    ensure(
      isBlockNumber(verdict.blockNumber) &&
        BigInt(verdict.blockNumber) >= BigInt(block.blockNumber as string),
      `${path}.blockNumber must be a block number not before the first block's`,
    );
  });
  const voters = votersOf(snapshot, content.requester.mspId);
  if (content.mode === 'relay') {
    // Voter k may record only after voter k-1: the verdicts come from a prefix of the voters.
    const prefix = voters.slice(0, seen.size);
    ensure(
      prefix.every((participant) => seen.has(participant)),
      `relay mode: the verdicts must come from the first ${seen.size} voter(s) of the snapshot`,
    );
  }
  return `${verdicts.length} verdict(s) from ${voters.length} voter(s), one each`;
}

function checkOutcome(
  content: FirstBlockContent,
  block: Json,
  verdicts: Json[],
  outcome: Json,
): string {
  const status = outcome.status;
  ensure(
    typeof status === 'string' && (outcomeStatuses as readonly string[]).includes(status),
    `status must be one of ${outcomeStatuses.join(', ')}`,
  );
  ensure(typeof outcome.recorded === 'boolean', 'recorded must be a boolean');
  for (const key of ['valid', 'invalid', 'participants', 'threshold']) {
    ensure(
      Number.isSafeInteger(outcome[key]) && (outcome[key] as number) >= 0,
      `${key} must be a count`,
    );
  }
  // A receipt made before abstentions existed has no such count: it counted none.
  ensure(
    outcome.unverifiable === undefined ||
      (Number.isSafeInteger(outcome.unverifiable) && (outcome.unverifiable as number) >= 0),
    'unverifiable must be a count',
  );
  const voters = votersOf(block.participants as string[], content.requester.mspId);
  // `participants` in an outcome counts the voters: the requester does not vote.
  const participants = voters.length;
  const threshold = block.threshold as number;
  ensure(outcome.participants === participants, `participants must be ${participants} (voters)`);
  ensure(outcome.threshold === threshold, `threshold must be ${threshold}`);
  const valid = outcome.valid as number;
  const invalid = outcome.invalid as number;
  const unverifiable = (outcome.unverifiable as number | undefined) ?? 0;
  const counts = `${valid} valid / ${invalid} invalid / ${unverifiable} unverifiable`;
  ensure(
    valid + invalid + unverifiable <= participants,
    `counts ${counts} exceed the ${participants} voter(s)`,
  );
  const counted = countVerdicts(
    voters,
    threshold,
    verdicts as unknown as { participant: string; result: VerdictResult }[],
  );
  const verdictCounts = `${counted.valid} / ${counted.invalid} / ${counted.unverifiable} verdicts`;
  const sameCounts =
    valid === counted.valid && invalid === counted.invalid && unverifiable === counted.unverifiable;
  // The protocol's own rule decides what the counts make of the block; abstentions count for
  // neither side.
  const decided = decideByCounts({ valid, invalid, unverifiable, participants, threshold });
  if (outcome.recorded) {
    // A recorded outcome counts the verdicts in at decision time; later verdicts only add.
    ensure(
      valid <= counted.valid && invalid <= counted.invalid && unverifiable <= counted.unverifiable,
      `counts ${counts} exceed the ${verdictCounts}`,
    );
    ensure(status !== 'pending', 'a recorded outcome is decided');
    ensure(
      typeof outcome.txId === 'string' && transactionId.test(outcome.txId),
      'txId must be a transaction id',
    );
    ensure(
      isBlockNumber(outcome.blockNumber) &&
        BigInt(outcome.blockNumber) >= BigInt(block.blockNumber as string),
      "blockNumber must be a block number not before the first block's",
    );
    ensure(timeOf(outcome.decidedAt) !== undefined, 'decidedAt must be an RFC 3339 UTC timestamp');
    if (status === 'expired') {
      // Verdicts after the deadline are refused, so nothing can have been added since.
      ensure(sameCounts, 'an expired outcome counts every verdict');
      const decidedAt = timeOf(outcome.decidedAt);
      const deadline = timeOf(content.deadline);
      ensure(
        decidedAt !== undefined && deadline !== undefined && decidedAt > expiryOf(deadline),
        `an outcome expires only after the deadline ${content.deadline} plus the ${TIME_WINDOW_SECONDS} s time window`,
      );
    }
  } else {
    ensure(sameCounts, `counts ${counts} differ from the ${verdictCounts}`);
    for (const key of ['decidedAt', 'txId', 'blockNumber']) {
      ensure(outcome[key] === undefined, `${key} belongs to a recorded outcome only`);
    }
  }
  const of = `${counts} of ${participants} (threshold ${threshold})`;
  if (status === 'accepted' || status === 'rejected') {
    ensure(decided === status, `${of} is not ${status}`);
  } else {
    ensure(decided === undefined, `${of} is ${String(decided)}, not ${status}`);
  }
  const recorded = outcome.recorded ? 'recorded' : 'not yet recorded';
  return `${status} (${recorded}): ${valid} valid, ${invalid} invalid, ${unverifiable} unverifiable of ${participants}, threshold ${threshold}`;
}

function checkProofs(content: FirstBlockContent, proofs: Json[]): string {
  const recordHashes = content.records.map((record) => record.recordHash);
  let fields = 0;
  proofs.forEach((proof, index) => {
    const path = `proofs[${index}]`;
    ensure(isObject(proof), `${path} must be an object`);
    assertKeys(proof, proofKeys, path);
    const recordIndex = proof.record;
    const record = typeof recordIndex === 'number' ? content.records[recordIndex] : undefined;
    ensure(
      record !== undefined && recordHashes[recordIndex as number] !== undefined,
      `${path}.record is not a record of the block`,
    );
    const recordProof = proof.recordProof as RecordProof;
    ensure(
      isObject(recordProof) &&
        recordProof.index === recordIndex &&
        recordProof.size === recordHashes.length,
      `${path}.recordProof must be for record ${String(recordIndex)} of ${recordHashes.length}`,
    );
    ensure(
      verifyRecordProof(record.recordHash, recordProof, content.batchRoot),
      `${path}.recordProof does not lead to the batch root`,
    );
    if (proof.fieldProof !== undefined) {
      const fieldProof = proof.fieldProof as FieldProof;
      ensure(
        isObject(fieldProof) && fieldProof.scheme === content.scheme,
        `${path}.fieldProof must be under the block's scheme ${content.scheme}`,
      );
      // The leaf must be the field hash the requester signed: under corroborate-v2 only the
      // field's own salt and value give it.
      const signed = Object.hasOwn(record.fieldHashes, fieldProof.name)
        ? record.fieldHashes[fieldProof.name]
        : '';
      ensure(
        verifyFieldProof(fieldProof, record.recordHash, signed),
        `${path}.fieldProof does not give the signed field hash and lead to the record hash`,
      );
      const value = record.data?.[fieldProof.name];
      ensure(
        record.data === undefined ||
          (value !== undefined && canonicalJson(value) === canonicalJson(fieldProof.value)),
        `${path}.fieldProof value differs from the record's data`,
      );
      fields += 1;
    }
  });
  return `${proofs.length} record proof(s), ${fields} field proof(s)`;
}

function assertKeys(value: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    ensure(allowed.includes(key), `${path}.${key} is not a receipt field`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlockNumber(value: unknown): value is string {
  return typeof value === 'string' && blockNumberText.test(value) && BigInt(value) < 2n ** 64n;
}

/**
 * Checks a receipt file's text: it must parse, be in the one encoding that `serializeReceipt`
 * writes (so that no byte of the file can change unnoticed), and pass {@link verifyReceipt}.
 */
export function verifyReceiptText(
  text: string,
  options: VerifyReceiptOptions = {},
): ReceiptVerification {
  let receipt: unknown;
  try {
    receipt = JSON.parse(text);
  } catch (error) {
    return {
      valid: false,
      checks: [{ name: 'json', ok: false, detail: (error as Error).message }],
    };
  }
  let canonical: boolean;
  try {
    canonical = text === `${canonicalJson(receipt)}\n` || text === canonicalJson(receipt);
  } catch {
    canonical = false;
  }
  const encoding: ReceiptCheck = canonical
    ? { name: 'encoding', ok: true, detail: 'canonical JSON' }
    : { name: 'encoding', ok: false, detail: 'not the canonical JSON a receipt is written in' };
  const verification = verifyReceipt(receipt, options);
  return {
    ...verification,
    valid: verification.valid && encoding.ok,
    checks: [encoding, ...verification.checks],
  };
}

/** Nanoseconds since the epoch of an RFC 3339 UTC timestamp, or undefined for anything else. */
function timeOf(value: unknown): bigint | undefined {
  return typeof value === 'string' ? parseUtcTimestamp(value) : undefined;
}
