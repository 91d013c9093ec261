import type { Verdict, VerdictBody, VerdictInput, VerdictSubject } from '@corroborate/protocol';
import type { FirstBlockContent } from '@corroborate/protocol';
import {
  firstBlockSigningPayload,
  sha256Hex,
  verdictSigningPayload,
  verifySignature,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { newIdentity, signPayload } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import type { FirstBlockOptions } from './fixtures';
import {
  identityOf,
  initParticipants,
  invalidVerdict,
  members,
  mspIds,
  newSignedFirstBlock,
  refusal,
  unverifiableVerdict,
  validVerdict,
} from './fixtures';
import { compositeKey as key, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('RecordVerdict', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;
  let org3: TestIdentity;
  let org4: TestIdentity;
  let content: FirstBlockContent;

  before(async () => {
    ({ org1, org2, org3 } = await members(4));
    org4 = await identityOf('Org4MSP');
  });

  async function createBlock(options: FirstBlockOptions = {}): Promise<FirstBlockContent> {
    const signed = newSignedFirstBlock(org1, options);
    await ledger.submit(
      org1,
      'CreateFirstBlock',
      signed.contentJson,
      signed.signature,
      signed.saltSeed,
    );
    return signed.content;
  }

  /** What `voter` signs a verdict on block-1 over: the block as the ledger stores it. */
  function subjectOf(voter: TestIdentity): VerdictSubject {
    return {
      blockId: 'block-1',
      contentHash: sha256Hex(firstBlockSigningPayload(content)),
      participants: mspIds(4),
      quorumRatio: '0.5',
      participant: voter.mspId,
    };
  }

  beforeEach(async () => {
    ledger = new LedgerDouble();
    // Org1 requests; Org2, Org3 and Org4 vote.
    await initParticipants(ledger, mspIds(4));
    content = await createBlock({ records: 2 });
  });

  afterEach(() => {
    sinon.restore();
  });

  it("stores the caller's verdict under its own key and announces it", async () => {
    const verdict = await ledger.recordVerdictJson<Verdict>(org2, 'block-1', validVerdict(content));

    expect(verdict).to.deep.equal({
      blockId: 'block-1',
      participant: 'Org2MSP',
      result: 'valid',
      observedHash: content.batchRoot,
      reason: 'OK',
      attempts: 1,
      failedRecords: [],
      signature: verdict.signature,
      signerCertificate: org2.certificate,
      recordedAt: '2025-01-01T00:00:00.000Z',
      txId: 'tx5',
    });
    // The signature is the participant's own, over this block and this verdict.
    const body = JSON.parse(validVerdict(content)) as VerdictBody;
    const payload = verdictSigningPayload(subjectOf(org2), body);
    expect(verifySignature(payload, verdict.signature ?? '', org2.certificate)).to.be.true;
    expect(ledger.world.has(key('verdict', 'block-1', 'Org2MSP'))).to.be.true;
    expect(ledger.events.at(-1)).to.deep.equal({
      name: 'VerdictRecorded',
      txId: 'tx5',
      payload: {
        blockId: 'block-1',
        participant: 'Org2MSP',
        result: 'valid',
        reason: 'OK',
        txId: 'tx5',
      },
    });
  });

  it('records a negative verdict with its reason and failed records', async () => {
    const verdict = await ledger.recordVerdictJson<Verdict>(
      org3,
      'block-1',
      invalidVerdict('HASH_MISMATCH'),
    );

    expect(verdict).to.include({ result: 'invalid', reason: 'HASH_MISMATCH', attempts: 3 });
    expect(verdict.failedRecords).to.deep.equal([0]);
  });

  it('records an abstention with its reason and announces it as unverifiable', async () => {
    const verdict = await ledger.recordVerdictJson<Verdict>(
      org3,
      'block-1',
      unverifiableVerdict('SOURCE_UNAVAILABLE', 900),
    );

    expect(verdict).to.deep.include({
      participant: 'Org3MSP',
      result: 'unverifiable',
      observedHash: '',
      reason: 'SOURCE_UNAVAILABLE',
      attempts: 900,
      failedRecords: [0],
    });
    expect(ledger.world.has(key('verdict', 'block-1', 'Org3MSP'))).to.be.true;
    expect(ledger.events.at(-1)).to.deep.include({
      name: 'VerdictRecorded',
      payload: {
        blockId: 'block-1',
        participant: 'Org3MSP',
        result: 'unverifiable',
        reason: 'SOURCE_UNAVAILABLE',
        txId: verdict.txId,
      },
    });
  });

  it('keeps one verdict per participant: an abstention is final too', async () => {
    await ledger.recordVerdict(org2, 'block-1', unverifiableVerdict());

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'block-1', validVerdict(content)),
      'DUPLICATE_VERDICT',
    );
    await expect(ledger.recordVerdict(org2, 'block-1', unverifiableVerdict())).to.be.rejectedWith(
      refusal('DUPLICATE_VERDICT'),
    );
  });

  it("reads only the block's meta, the outcome key and its own verdict key, and writes only its own", async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));

    await ledger.recordVerdict(org3, 'block-1', invalidVerdict());

    const stub = ledger.lastStub;
    const reads = stub?.getState.getCalls().map((call) => call.args[0]);
    expect(reads).to.have.members([
      key('blockmeta', 'block-1'),
      key('outcome', 'block-1'),
      key('verdict', 'block-1', 'Org3MSP'),
    ]);
    expect(reads).not.to.include(key('block', 'block-1'));
    expect(reads).not.to.include(key('verdict', 'block-1', 'Org2MSP'));
    expect(stub?.getStateByPartialCompositeKey.called).to.be.false;
    expect(stub?.getStateByRange.called).to.be.false;
    const writes = stub?.putState.getCalls().map((call) => call.args[0]);
    expect(writes).to.deep.equal([key('verdict', 'block-1', 'Org3MSP')]);
  });

  it('refuses a second verdict from the same participant', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'block-1', invalidVerdict()),
      'DUPLICATE_VERDICT',
    );
  });

  it('tells a late retry that its verdict was recorded rather than that the block expired', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    ledger.advance(2 * 86_400_000);

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'block-1', validVerdict(content)),
      'DUPLICATE_VERDICT',
    );
  });

  it("refuses a verdict from an organisation outside the block's snapshot", async () => {
    const org5 = await identityOf('Org5MSP');

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org5, 'block-1', validVerdict(content)),
      'NOT_A_PARTICIPANT',
    );
  });

  it("refuses the requester's verdict on its own block with REQUESTER_VERDICT", async () => {
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org1, 'block-1', validVerdict(content)),
      'REQUESTER_VERDICT',
    );
  });

  it('refuses a verdict on an unknown block', async () => {
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'block-9', validVerdict(content)),
      'FIRST_BLOCK_NOT_FOUND',
    );
  });

  it('refuses a verdict after the deadline and accepts one at it', async () => {
    ledger.advance(86_400_000);
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    ledger.advance(1);

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org3, 'block-1', validVerdict(content)),
      'BLOCK_EXPIRED',
    );
  });

  describe('signed verdicts', () => {
    /** RecordVerdict's argument: `body` with a signature by `signer` over `subject`. */
    function signedBy(signer: TestIdentity, subject: VerdictSubject, body: VerdictBody): string {
      return JSON.stringify({
        ...body,
        signature: signPayload(signer, verdictSigningPayload(subject, body)),
      });
    }

    const valid = (): VerdictBody => JSON.parse(validVerdict(content)) as VerdictBody;

    it('records a verdict its submitter signed over the block and the verdict', async () => {
      const verdict = await ledger.submitJson<Verdict>(
        org2,
        'RecordVerdict',
        'block-1',
        signedBy(org2, subjectOf(org2), valid()),
      );
      expect(verdict).to.include({ participant: 'Org2MSP', signerCertificate: org2.certificate });
    });

    it('refuses a verdict without a signature', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdict', 'block-1', validVerdict(content)),
        'INVALID_ARGUMENT',
      );
      await expect(
        ledger.submit(org2, 'RecordVerdict', 'block-1', validVerdict(content)),
      ).to.be.rejectedWith('INVALID_ARGUMENT: signature: is required');
    });

    it("refuses a verdict signed with a key other than the submitter's, of its own organisation", async () => {
      const colleague = await newIdentity('Org2MSP', 'user2@Org2MSP');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(
          org2,
          'RecordVerdict',
          'block-1',
          signedBy(colleague, subjectOf(org2), valid()),
        ),
        'BAD_VERDICT_SIGNATURE',
      );
    });

    it("refuses a verdict signed by another organisation's identity", async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdict', 'block-1', signedBy(org3, subjectOf(org2), valid())),
        'BAD_VERDICT_SIGNATURE',
      );
      // Nor may it pass another organisation's signed verdict off as its own.
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdict', 'block-1', signedBy(org3, subjectOf(org3), valid())),
        'BAD_VERDICT_SIGNATURE',
      );
    });

    it('refuses a tampered result: a signed invalid verdict resubmitted as valid', async () => {
      const invalid = JSON.parse(invalidVerdict('HASH_MISMATCH')) as VerdictBody;
      const signed = JSON.parse(signedBy(org2, subjectOf(org2), invalid)) as VerdictInput;
      const tampered: VerdictInput = {
        ...valid(),
        signature: signed.signature,
      };
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdict', 'block-1', JSON.stringify(tampered)),
        'BAD_VERDICT_SIGNATURE',
      );
      const moreAttempts = { ...signed, attempts: signed.attempts + 1 };
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdict', 'block-1', JSON.stringify(moreAttempts)),
        'BAD_VERDICT_SIGNATURE',
      );
    });

    it('refuses a signature over another block, another content hash, snapshot or ratio', async () => {
      const subject = subjectOf(org2);
      for (const other of [
        { ...subject, blockId: 'block-2' },
        { ...subject, contentHash: '0'.repeat(64) },
        { ...subject, participants: ['Org1MSP', 'Org2MSP'] },
        { ...subject, quorumRatio: '1' },
      ]) {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(org2, 'RecordVerdict', 'block-1', signedBy(org2, other, valid())),
          'BAD_VERDICT_SIGNATURE',
        );
      }
      await expect(
        ledger.submit(
          org2,
          'RecordVerdict',
          'block-1',
          signedBy(org2, { ...subject, quorumRatio: '1' }, valid()),
        ),
      ).to.be.rejectedWith(
        "BAD_VERDICT_SIGNATURE: signature: does not verify over block block-1 and this verdict with the submitter's certificate",
      );
    });

    it('checks a block whose meta predates the content hash against the block itself', async () => {
      const metaKey = key('blockmeta', 'block-1');
      const meta = JSON.parse(Buffer.from(ledger.world.get(metaKey) ?? []).toString()) as Record<
        string,
        unknown
      >;
      delete meta.contentHash;
      ledger.world.set(metaKey, Buffer.from(JSON.stringify(meta)));

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(
          org2,
          'RecordVerdict',
          'block-1',
          signedBy(org2, { ...subjectOf(org2), contentHash: '0'.repeat(64) }, valid()),
        ),
        'BAD_VERDICT_SIGNATURE',
      );
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    });
  });

  for (const [title, verdictJson] of [
    ['a verdict that is not JSON', 'valid'],
    [
      'an invalid verdict that carries a hash of what was read',
      `{"result":"invalid","observedHash":"${'0'.repeat(64)}","reason":"HASH_MISMATCH","attempts":3,"failedRecords":[0]}`,
    ],
    ['an unknown result', '{"result":"maybe","observedHash":"","reason":"OK","attempts":1}'],
    [
      'a valid verdict with a reason other than OK',
      `{"result":"valid","observedHash":"${'0'.repeat(64)}","reason":"INTERNAL","attempts":1}`,
    ],
    [
      'zero attempts',
      '{"result":"unverifiable","observedHash":"","reason":"INTERNAL","attempts":0}',
    ],
    [
      'an outage recorded as evidence',
      '{"result":"invalid","observedHash":"","reason":"SOURCE_UNAVAILABLE","attempts":4}',
    ],
    [
      'evidence recorded as an abstention',
      '{"result":"unverifiable","observedHash":"","reason":"HASH_MISMATCH","attempts":4}',
    ],
    [
      'an abstention that claims to have observed the batch',
      `{"result":"unverifiable","observedHash":"${'0'.repeat(64)}","reason":"SOURCE_UNAVAILABLE","attempts":4}`,
    ],
    [
      'an abstention naming a record outside the block',
      '{"result":"unverifiable","observedHash":"","reason":"SOURCE_UNAVAILABLE","attempts":4,"failedRecords":[2]}',
    ],
    [
      'a valid verdict for another batch root',
      `{"result":"valid","observedHash":"${'0'.repeat(64)}","reason":"OK","attempts":1}`,
    ],
    [
      'a failed record outside the block',
      '{"result":"invalid","observedHash":"","reason":"RECORD_NOT_FOUND","attempts":1,"failedRecords":[2]}',
    ],
  ] as const) {
    it(`refuses ${title}`, async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.recordVerdict(org2, 'block-1', verdictJson),
        'INVALID_ARGUMENT',
      );
    });
  }

  it('refuses a verdict after the outcome was recorded with OUTCOME_RECORDED, before the deadline', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
    await ledger.submit(org1, 'FinalizeOutcome', 'block-1', '["Org2MSP","Org3MSP"]');

    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org4, 'block-1', invalidVerdict()),
      'OUTCOME_RECORDED',
    );
    expect(ledger.world.has(key('verdict', 'block-1', 'Org4MSP'))).to.be.false;
  });

  it('serves a block stored before the meta key existed from the block itself', async () => {
    ledger.world.delete(key('blockmeta', 'block-1'));

    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(
        org3,
        'block-1',
        `{"result":"valid","observedHash":"${'0'.repeat(64)}","reason":"OK","attempts":1}`,
      ),
      'INVALID_ARGUMENT',
    );
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(
        org3,
        'block-1',
        '{"result":"invalid","observedHash":"","reason":"RECORD_NOT_FOUND","attempts":1,"failedRecords":[2]}',
      ),
      'INVALID_ARGUMENT',
    );
  });

  it('refuses an oversized verdict before parsing it', async () => {
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'block-1', ' '.repeat(64 * 1024 + 1)),
      'PAYLOAD_TOO_LARGE',
    );
  });

  describe('in relay mode', () => {
    beforeEach(async () => {
      content = await createBlock({ id: 'relay-1', mode: 'relay' });
    });

    it('lets voters record in snapshot order, each reading only its predecessor', async () => {
      // The requester Org1 is no link of the relay: Org2 goes first.
      await ledger.recordVerdict(org2, 'relay-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'relay-1', validVerdict(content));

      const reads = ledger.lastStub?.getState.getCalls().map((call) => call.args[0]);
      expect(reads).to.have.members([
        key('blockmeta', 'relay-1'),
        key('outcome', 'relay-1'),
        key('verdict', 'relay-1', 'Org3MSP'),
        key('verdict', 'relay-1', 'Org2MSP'),
      ]);
      await ledger.recordVerdict(org4, 'relay-1', invalidVerdict());
    });

    it('refuses a voter whose predecessor has not recorded', async () => {
      await ledger.recordVerdict(org2, 'relay-1', validVerdict(content));

      await expectRefusedWithoutWrites(
        ledger,
        ledger.recordVerdict(org4, 'relay-1', validVerdict(content)),
        'RELAY_OUT_OF_ORDER',
      );
    });

    it('lets the next voter go on after a negative verdict', async () => {
      await ledger.recordVerdict(org2, 'relay-1', invalidVerdict('RECORD_NOT_FOUND'));

      await ledger.recordVerdict(org3, 'relay-1', validVerdict(content));
    });

    it('lets the next voter go on after an abstention', async () => {
      await ledger.recordVerdict(org2, 'relay-1', unverifiableVerdict());

      await ledger.recordVerdict(org3, 'relay-1', validVerdict(content));
    });
  });
});
