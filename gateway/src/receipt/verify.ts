import {
  attestationSigningPayload,
  parseAttestationInput,
  batchRoot,
  canonicalJson,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  isDigestHex,
  nodeCrypto,
  parseFirstBlockContent,
  parseVerdictBody,
  recordHashFromFieldHashes,
  saltsFromList,
  sha256Hex,
  SCHEME_V2,
  verdictSigningPayload,
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
  meetsMinQuorumRatio,
  minQuorumRatio,
  outcomeStatuses,
  parseQuorumRatio,
  parseUtcTimestamp,
  thresholdFor,
  voterThreshold,
  votersOf,
} from '@corroborate/protocol';
import type { OutcomeStatus, VerdictBody, VerdictResult } from '@corroborate/protocol';
import {
  RECEIPT_FORMATS,
  type ConsensusFinding,
  type ConsortiumTrust,
  type ReceiptCheck,
  type ReceiptFormat,
  type ReceiptVerification,
  type VerifyReceiptOptions,
} from './model';

type Json = Record<string, unknown>;

const receiptKeys = [
  'format',
  'channel',
  'chaincode',
  'block',
  'verdicts',
  'outcome',
  'proofs',
  'recheck',
];
const recheckKeys = ['blockId', 'round', 'requestedBy', 'requestedAt', 'txId', 'attestations'];
const attestationKeys = [
  'blockId',
  'round',
  'participant',
  'result',
  'reason',
  'differingFields',
  'signature',
  'signerCertificate',
  'recordedAt',
  'txId',
];
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
// A corroborate-receipt-v2 verdict carries its participant's signature and certificate besides.
const signedVerdictKeys = [...verdictKeys, 'signature', 'signerCertificate'];
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

/** What a receipt that does not verify proves of the consensus. */
const unverified: ConsensusFinding = {
  proven: false,
  detail: 'unproven: the receipt does not verify',
};

/** Thrown inside a check to fail it with a reason. */
class CheckFailure extends Error {}

function ensure(condition: boolean, why: string): asserts condition {
  if (!condition) throw new CheckFailure(why);
}

/**
 * Checks a receipt offline, with no peer: its format and digest, the requester's signature over
 * the first block, every hash and proof, each verdict's signature over the block and the verdict,
 * and that the verdicts and the outcome agree with the participant snapshot and the threshold.
 * Pure; never throws.
 *
 * With `trust` it also checks that the requester certificate was issued by the requester
 * organisation's CA, each verdict's certificate by its own organisation's CA, and that a decided
 * outcome is signed by enough distinct trusted voters: only then is `consensus.proven`. Without
 * it, nothing ties the certificates in the receipt to their organisations, so the consensus is
 * unproven. What it cannot check without a ledger is that the outcome was committed: it is
 * authenticated by the transaction it names.
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
  const trust = options.trust;
  let format: ReceiptFormat | undefined;
  let consensus: ConsensusFinding = unverified;
  const finish = (
    extra: { blockId?: string; status?: OutcomeStatus } = {},
  ): ReceiptVerification => {
    const valid = checks.every((check) => check.ok);
    return {
      valid,
      ...extra,
      ...(format ? { format } : {}),
      consensus: valid ? consensus : unverified,
      checks,
    };
  };

  if (
    !run('format', () => {
      format = checkFormat(receipt);
      return format;
    })
  ) {
    return finish();
  }
  const signed = format === 'corroborate-receipt-v2';
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
  const requester = parsed.requester.mspId;

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
    return `requester ${requester}, certificate ${fingerprint}`;
  });
  run('signature', () => {
    ensure(
      verifySignature(payload, String(block.signature), String(block.requesterCertificate), crypto),
      'the signature does not verify with the requester certificate',
    );
    return 'ECDSA P-256 signature of the requester over the canonical content';
  });
  if (trust !== undefined || options.trustedCertificates !== undefined) {
    run('certificateChain', () => {
      // With a trust file, only the requester organisation's own CAs may have issued it.
      const issuers =
        trust === undefined
          ? (options.trustedCertificates ?? [])
          : caCertificatesOf(trust, requester);
      const issuer = checkIssued(
        String(block.requesterCertificate),
        String(block.createdAt),
        issuers,
        crypto,
        trust === undefined ? 'a trusted certificate' : `a CA of ${requester} in the trust file`,
      );
      return trust === undefined
        ? `issued by ${issuer}`
        : `issued by ${issuer}, a CA of ${requester} in the trust file`;
    });
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
  run('verdicts', () => checkVerdicts(parsed, block, verdicts, signed));
  // Who signed which result: the verdicts whose signatures verify with their own certificates.
  const signatures = new Map<string, Json>();
  if (signed) {
    run('verdictSignatures', () =>
      checkVerdictSignatures(parsed, block, verdicts, signatures, crypto),
    );
  }
  // Of those, the verdicts whose certificates the trust file ties to their organisations.
  const trusted = new Map<string, VerdictResult>();
  if (signed && trust !== undefined) {
    run('verdictCertificates', () => checkVerdictCertificates(trust, signatures, trusted, crypto));
  }
  run('outcome', () => checkOutcome(parsed, block, verdicts, outcome));
  const status = outcome.status as OutcomeStatus;
  if (!signed) {
    consensus = {
      proven: false,
      detail: `unproven: a ${String(format)} receipt carries no verdict signatures`,
    };
  } else if (trust === undefined) {
    consensus = {
      proven: false,
      detail:
        "unproven: no trust file, so nothing ties the requester's and the verdicts' certificates to their organisations",
    };
  } else {
    run('consensus', () => {
      const finding = checkConsensus(parsed, block, status, trust, trusted);
      consensus = finding;
      return finding.detail;
    });
  }
  run('proofs', () => checkProofs(parsed, proofs));
  if (input.recheck !== undefined) {
    run('recheck', () => checkRecheck(parsed, block, input.recheck, trust, crypto));
  }
  return finish({ blockId: parsed.id, status });
}

/**
 * The latest re-verification round: each attestation is of this block and round, by a distinct
 * participant of the snapshot, well formed (names only), and signed by its participant's
 * certificate over the protocol's attestationSigningPayload; with a trust file, that certificate
 * was issued by a CA of its own organisation.
 */
function checkRecheck(
  content: FirstBlockContent,
  block: Json,
  recheck: unknown,
  trust: ConsortiumTrust | undefined,
  crypto: CryptoPort,
): string {
  ensure(isObject(recheck), 'recheck must be an object');
  assertKeys(recheck, recheckKeys, 'recheck');
  const round = recheck.round;
  ensure(
    typeof round === 'number' && Number.isInteger(round) && round >= 1,
    'recheck.round must be a positive integer',
  );
  ensure(recheck.blockId === content.id, `recheck.blockId must be ${content.id}`);
  ensure(Array.isArray(recheck.attestations), 'recheck.attestations must be an array');
  const participants = block.participants as string[];
  const seen = new Set<string>();
  const described = (recheck.attestations as unknown[]).map((attestation, index) => {
    const path = `recheck.attestations[${index}]`;
    ensure(isObject(attestation), `${path} must be an object`);
    assertKeys(attestation, attestationKeys, path);
    const participant = String(attestation.participant);
    ensure(
      attestation.blockId === content.id && attestation.round === round,
      `${path} is not of this block and round`,
    );
    ensure(participants.includes(participant), `${path}: ${participant} is not in the snapshot`);
    ensure(!seen.has(participant), `${path}: ${participant} attests twice`);
    seen.add(participant);
    let body;
    try {
      body = parseAttestationInput(
        {
          result: attestation.result,
          reason: attestation.reason,
          differingFields: attestation.differingFields,
          signature: attestation.signature,
        },
        content.records.length,
      );
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
    }
    ensure(typeof attestation.signerCertificate === 'string', `${path} has no signerCertificate`);
    const payload = attestationSigningPayload(
      { blockId: content.id, contentHash: String(block.contentHash), round, participant },
      body,
    );
    ensure(
      verifySignature(payload, body.signature, attestation.signerCertificate, crypto),
      `${path}: the signature of ${participant} does not verify over this block, round and attestation`,
    );
    if (trust !== undefined) {
      checkIssued(
        attestation.signerCertificate,
        String(attestation.recordedAt),
        caCertificatesOf(trust, participant),
        crypto,
        `a CA of ${participant} in the trust file`,
      );
    }
    const fields = body.differingFields
      .map((entry) => `record ${entry.record}: ${entry.fields.join(', ')}`)
      .join('; ');
    return `${participant} ${body.result}${fields ? ` (${fields})` : ''}`;
  });
  return `round ${round}, ${described.length} signed attestation(s)${
    described.length > 0 ? `: ${described.join(', ')}` : ''
  }`;
}

function checkFormat(receipt: unknown): ReceiptFormat {
  ensure(isObject(receipt), 'a receipt is a JSON object');
  const format = RECEIPT_FORMATS.find((known) => known === receipt.format);
  ensure(
    format !== undefined,
    `format must be one of ${RECEIPT_FORMATS.map((known) => `'${known}'`).join(', ')}`,
  );
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
  return format;
}

function checkDigest(receipt: Json): string {
  const { digest, ...body } = receipt;
  ensure(digest === sha256Hex(canonicalJson(body)), 'does not match the receipt: it was altered');
  return String(digest);
}

/** The CA certificates the trust file gives an organisation; none for one it does not list. */
function caCertificatesOf(trust: ConsortiumTrust, mspId: string): readonly string[] {
  return Object.hasOwn(trust.organisations, mspId) ? (trust.organisations[mspId] ?? []) : [];
}

/**
 * That `certificatePem` was issued by one of `issuerPems` and was valid at `at`; returns the
 * issuer's subject.
 */
function checkIssued(
  certificatePem: string,
  at: string,
  issuerPems: readonly string[],
  crypto: CryptoPort,
  issuers: string,
): string {
  const certificate = crypto.parseCertificate(certificatePem);
  const issuer = issuerPems
    .map((pem) => crypto.parseCertificate(pem))
    .find((candidate) => certificate.isIssuedBy(candidate));
  const subject = certificate.subject.replace(/\n/g, ', ');
  ensure(issuer !== undefined, `${subject} is not issued by ${issuers}`);
  const signedAt = Date.parse(at);
  ensure(
    signedAt >= certificate.notBefore && signedAt <= certificate.notAfter,
    `${subject} was not valid at ${at}`,
  );
  return issuer.subject.replace(/\n/g, ', ');
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

function checkVerdicts(
  content: FirstBlockContent,
  block: Json,
  verdicts: Json[],
  signed: boolean,
): string {
  const snapshot = block.participants as string[];
  const deadline = timeOf(content.deadline);
  const seen = new Set<string>();
  verdicts.forEach((verdict, index) => {
    const path = `verdicts[${index}]`;
    ensure(isObject(verdict), `${path} must be an object`);
    assertKeys(verdict, signed ? signedVerdictKeys : verdictKeys, path);
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
    // Before verdicts were signed, an invalid verdict could carry the root of what was read.
    const legacyObservedHash =
      !signed && verdict.result === 'invalid' && isDigestHex(verdict.observedHash);
    try {
      parseVerdictBody(
        {
          result: verdict.result,
          observedHash: legacyObservedHash ? '' : verdict.observedHash,
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

/**
 * Each signed verdict's signature verifies with the certificate it carries, over this block (its
 * id, content hash, snapshot and ratio) and every field the participant attested. Collects the
 * verdicts that verify into `signatures`, by participant. A verdict recorded before verdicts were
 * signed has neither field; it is reported, and proves nothing.
 */
function checkVerdictSignatures(
  content: FirstBlockContent,
  block: Json,
  verdicts: Json[],
  signatures: Map<string, Json>,
  crypto: CryptoPort,
): string {
  let unsigned = 0;
  verdicts.forEach((verdict, index) => {
    const path = `verdicts[${index}]`;
    ensure(isObject(verdict), `${path} must be an object`);
    if (verdict.signature === undefined && verdict.signerCertificate === undefined) {
      unsigned += 1;
      return;
    }
    ensure(
      typeof verdict.signature === 'string' && typeof verdict.signerCertificate === 'string',
      `${path}: a signed verdict carries both signature and signerCertificate`,
    );
    const participant = String(verdict.participant);
    const payload = verdictSigningPayload(
      {
        blockId: content.id,
        contentHash: String(block.contentHash),
        participants: block.participants as string[],
        quorumRatio: String(block.quorumRatio),
        participant,
      },
      // As the receipt has it: the verdicts check has said whether it is well formed.
      verdict as unknown as VerdictBody,
    );
    ensure(
      verifySignature(payload, verdict.signature, verdict.signerCertificate, crypto),
      `${path}: the signature of ${participant} does not verify over this block and its verdict`,
    );
    signatures.set(participant, verdict);
  });
  const also = unsigned === 0 ? '' : `; ${unsigned} verdict(s) recorded unsigned prove nothing`;
  return `${signatures.size} verdict(s), each signed by its participant's certificate over this block and its verdict${also}`;
}

/**
 * Each signed verdict's certificate was issued by a CA the trust file gives its own organisation,
 * and was valid when the verdict was recorded. Collects their results into `trusted`. A verdict of
 * an organisation the trust file does not list is not counted.
 */
function checkVerdictCertificates(
  trust: ConsortiumTrust,
  signatures: ReadonlyMap<string, Json>,
  trusted: Map<string, VerdictResult>,
  crypto: CryptoPort,
): string {
  const unlisted: string[] = [];
  for (const [participant, verdict] of signatures) {
    const issuers = caCertificatesOf(trust, participant);
    if (issuers.length === 0) {
      unlisted.push(participant);
      continue;
    }
    try {
      checkIssued(
        String(verdict.signerCertificate),
        String(verdict.recordedAt),
        issuers,
        crypto,
        `a CA of ${participant} in the trust file`,
      );
    } catch (error) {
      throw new CheckFailure(`the verdict of ${participant}: ${(error as Error).message}`);
    }
    trusted.set(participant, verdict.result as VerdictResult);
  }
  const also =
    unlisted.length === 0 ? '' : `; ${unlisted.join(', ')} not in the trust file, not counted`;
  return `${trusted.size} verdict certificate(s) issued by their own organisation's CA${also}`;
}

/**
 * The consensus over the trusted set: its voters are the trusted participants without the
 * requester, the threshold is `max(1, ceil(max(0.5, the block's ratio) × voters))`, and a claimed
 * decision needs that many distinct trusted voters' signed valid verdicts (accepted), or more
 * signed invalid verdicts than the voters less the threshold (rejected).
 */
function checkConsensus(
  content: FirstBlockContent,
  block: Json,
  status: OutcomeStatus,
  trust: ConsortiumTrust,
  trusted: ReadonlyMap<string, VerdictResult>,
): ConsensusFinding {
  const requester = content.requester.mspId;
  const snapshot = block.participants as string[];
  let members: readonly string[];
  let over: string;
  if (trust.participants !== undefined) {
    members = trust.participants;
    ensure(
      members.includes(requester),
      `the requester ${requester} is not a participant of the trusted consortium`,
    );
    over = `the trusted set of ${members.length}`;
  } else {
    const minimum = trust.minParticipants ?? 1;
    const unlisted = snapshot.filter(
      (participant) => caCertificatesOf(trust, participant).length === 0,
    );
    ensure(
      unlisted.length === 0,
      `the block's snapshot names ${unlisted.join(', ')}, which the trust file does not list`,
    );
    ensure(
      snapshot.length >= minimum,
      `the block's snapshot has ${snapshot.length} participant(s); the trust file asks for at least ${minimum}`,
    );
    members = snapshot;
    over = `the block's snapshot of ${members.length} trusted participants`;
  }
  const voters = votersOf(members, requester);
  const ratio = parseQuorumRatio(String(block.quorumRatio));
  ensure(ratio !== undefined, 'the block has no valid quorum ratio');
  const floor = parseQuorumRatio(minQuorumRatio);
  const effective = meetsMinQuorumRatio(ratio) || floor === undefined ? ratio : floor;
  const threshold = voterThreshold(voters.length, effective);
  const count = (result: VerdictResult) =>
    voters.filter((voter) => trusted.get(voter) === result).length;
  const valid = count('valid');
  const invalid = count('invalid');
  const rule = `threshold ${threshold} of ${voters.length} voter(s) in ${over} at ratio ${effective.text}`;
  const signedBy = `${valid} valid and ${invalid} invalid verdict(s) signed by trusted voters`;
  if (status === 'accepted') {
    ensure(valid >= threshold, `accepted is unproven: ${signedBy}; ${rule}`);
    return { proven: true, detail: `accepted: ${signedBy}; ${rule}` };
  }
  if (status === 'rejected') {
    ensure(invalid > voters.length - threshold, `rejected is unproven: ${signedBy}; ${rule}`);
    return { proven: true, detail: `rejected: ${signedBy}; ${rule}` };
  }
  return {
    proven: false,
    detail: `no decision to prove: the outcome is ${status}; ${signedBy}; ${rule}`,
  };
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
      consensus: unverified,
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
  const valid = verification.valid && encoding.ok;
  return {
    ...verification,
    valid,
    consensus: valid ? verification.consensus : unverified,
    checks: [encoding, ...verification.checks],
  };
}

/** Nanoseconds since the epoch of an RFC 3339 UTC timestamp, or undefined for anything else. */
function timeOf(value: unknown): bigint | undefined {
  return typeof value === 'string' ? parseUtcTimestamp(value) : undefined;
}
