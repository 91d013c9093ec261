// First: it installs the Reflect metadata API that @peculiar/x509 needs when it loads.
import { newIdentity, signPayload, type TestIdentity } from '../../support/identities';
import { expect } from 'chai';
import {
  VERDICT_SIGNATURE_CONTEXT,
  firstBlockSigningPayload,
  sha256Hex,
  verdictSigningPayload,
  verdictSubjectOf,
  verdictSubjectOfMeta,
  verifySignature,
  type FirstBlockMeta,
  type StoredFirstBlock,
  type VerdictBody,
  type VerdictSubject,
} from '@corroborate/protocol';

const subject: VerdictSubject = {
  blockId: 'req-1',
  contentHash: sha256Hex('content'),
  participants: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
  quorumRatio: '0.5',
  participant: 'Org2MSP',
};

const invalid: VerdictBody = {
  result: 'invalid',
  observedHash: '',
  reason: 'HASH_MISMATCH',
  attempts: 3,
  failedRecords: [0],
  differingFields: [{ record: 0, fields: ['balance'] }],
};

describe('verdictSigningPayload', () => {
  it('is the canonical JSON of the context, the block and the verdict', () => {
    expect(verdictSigningPayload(subject, invalid)).to.equal(
      '{"block":{"contentHash":"' +
        subject.contentHash +
        '","id":"req-1","participants":["Org1MSP","Org2MSP","Org3MSP"],"quorumRatio":"0.5"},' +
        `"context":"${VERDICT_SIGNATURE_CONTEXT}",` +
        '"verdict":{"attempts":3,"differingFields":[{"fields":["balance"],"record":0}],' +
        '"failedRecords":[0],"observedHash":"","participant":"Org2MSP","reason":"HASH_MISMATCH","result":"invalid"}}',
    );
    expect(VERDICT_SIGNATURE_CONTEXT).to.equal('corroborate-verdict-v1');
  });

  it('signs absent failed records and differing fields as the empty lists the ledger stores', () => {
    const valid: VerdictBody = {
      result: 'valid',
      observedHash: sha256Hex('root'),
      reason: 'OK',
      attempts: 1,
    };
    expect(verdictSigningPayload(subject, valid)).to.equal(
      verdictSigningPayload(subject, { ...valid, failedRecords: [], differingFields: [] }),
    );
  });

  it('changes with every fact about the block and every field of the verdict', () => {
    const original = verdictSigningPayload(subject, invalid);
    const subjects: VerdictSubject[] = [
      { ...subject, blockId: 'req-2' },
      { ...subject, contentHash: sha256Hex('other content') },
      { ...subject, participants: ['Org1MSP', 'Org2MSP'] },
      { ...subject, participants: ['Org1MSP', 'Org3MSP', 'Org2MSP'] },
      { ...subject, quorumRatio: '0.67' },
      { ...subject, participant: 'Org3MSP' },
    ];
    const bodies: VerdictBody[] = [
      { ...invalid, result: 'valid', reason: 'OK', observedHash: sha256Hex('root') },
      { ...invalid, reason: 'RECORD_NOT_FOUND' },
      { ...invalid, attempts: 4 },
      { ...invalid, failedRecords: [1] },
      { ...invalid, differingFields: [{ record: 0, fields: ['name'] }] },
    ];
    const payloads = [
      ...subjects.map((changed) => verdictSigningPayload(changed, invalid)),
      ...bodies.map((changed) => verdictSigningPayload(subject, changed)),
    ];
    for (const payload of payloads) expect(payload).to.not.equal(original);
    expect(new Set(payloads).size).to.equal(payloads.length);
  });

  it('ignores a signature already on the input, so that a signed verdict gives the payload it was signed over', () => {
    expect(
      verdictSigningPayload(subject, { ...invalid, signature: 'AAAA' } as VerdictBody),
    ).to.equal(verdictSigningPayload(subject, invalid));
  });

  it('takes the subject from a stored block or its meta alike', () => {
    const block = {
      content: { id: 'req-1' },
      contentHash: subject.contentHash,
      participants: subject.participants,
      quorumRatio: '0.5',
    } as unknown as StoredFirstBlock;
    const meta = {
      blockId: 'req-1',
      contentHash: subject.contentHash,
      participants: subject.participants,
      quorumRatio: '0.5',
    } as FirstBlockMeta & { contentHash: string };
    expect(verdictSubjectOf(block, 'Org2MSP')).to.deep.equal(subject);
    expect(verdictSubjectOfMeta(meta, 'Org2MSP')).to.deep.equal(subject);
  });

  describe('signed by a participant', () => {
    let org2: TestIdentity;
    let other: TestIdentity;

    before(async () => {
      [org2, other] = await Promise.all([newIdentity('Org2MSP'), newIdentity('Org2MSP')]);
    });

    it("verifies with the signer's certificate, not another's, and not over another verdict", () => {
      const payload = verdictSigningPayload(subject, invalid);
      const signature = signPayload(org2, payload);
      expect(verifySignature(payload, signature, org2.certificate)).to.be.true;
      expect(verifySignature(payload, signature, other.certificate)).to.be.false;
      const tampered = verdictSigningPayload(subject, {
        ...invalid,
        result: 'valid',
        reason: 'OK',
        observedHash: sha256Hex('root'),
        failedRecords: [],
        differingFields: [],
      });
      expect(verifySignature(tampered, signature, org2.certificate)).to.be.false;
    });

    it('never passes for a first block signature, nor the other way round', () => {
      const verdictPayload = verdictSigningPayload(subject, invalid);
      const blockPayload = firstBlockSigningPayload({ id: 'req-1' } as never);
      const signature = signPayload(org2, blockPayload);
      expect(verifySignature(verdictPayload, signature, org2.certificate)).to.be.false;
      expect(verdictPayload).to.include(`"context":"${VERDICT_SIGNATURE_CONTEXT}"`);
    });
  });
});
