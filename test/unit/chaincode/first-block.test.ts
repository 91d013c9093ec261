import type { FirstBlockMeta, OutcomeView, StoredFirstBlock, Verdict } from '@corroborate/protocol';
import { firstBlockSigningPayload, SCHEME_V1, sha256Hex } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { ChaincodeStub } from 'fabric-shim';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { newIdentity, signPayload } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import {
  consortium,
  daysAfterStart,
  identityOf,
  initParticipants,
  mspIds,
  newFirstBlockContent,
  newSignedFirstBlock,
  refusal,
  SALT_SEED,
  signFirstBlock,
} from './fixtures';
import { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('CreateFirstBlock', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;

  before(async () => {
    [org1, org2] = (await consortium(3)) as [TestIdentity, TestIdentity];
  });

  beforeEach(async () => {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(3));
  });

  afterEach(() => {
    sinon.restore();
  });

  it('stores the signed block with a snapshot of the participants and announces it', async () => {
    const { content, contentJson, signature } = newSignedFirstBlock(org1, { records: 3 });

    const block = await ledger.submitJson<StoredFirstBlock>(
      org1,
      'CreateFirstBlock',
      contentJson,
      signature,
      SALT_SEED,
    );

    expect(block).to.deep.equal({
      content,
      signature,
      requesterCertificate: org1.certificate,
      contentHash: sha256Hex(firstBlockSigningPayload(content)),
      participants: mspIds(3),
      // Over the voters: Org2 and Org3, ceil(2 × 0.5).
      threshold: 1,
      quorumRatio: '0.5',
      createdAt: '2025-01-01T00:00:00.000Z',
      txId: 'tx3',
      // Beside the signed content, for verifiers: a receipt leaves it out.
      saltSeed: SALT_SEED,
    });
    expect(ledger.events.at(-1)).to.deep.equal({
      name: 'FirstBlockCreated',
      txId: 'tx3',
      payload: {
        blockId: 'block-1',
        requester: 'Org1MSP',
        mode: 'parallel',
        participants: mspIds(3),
        threshold: 1,
        deadline: content.deadline,
        sourceId: 'customers-db',
        records: 3,
        txId: 'tx3',
      },
    });
  });

  it('files a small meta key beside the block, with what verdicts and outcomes need', async () => {
    const { content, contentJson, signature } = newSignedFirstBlock(org1, { records: 3 });

    await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);

    const metaKey = ChaincodeStub.prototype.createCompositeKey('blockmeta', ['block-1']);
    const stored = ledger.world.get(metaKey);
    const meta: FirstBlockMeta = {
      blockId: 'block-1',
      requester: 'Org1MSP',
      mode: 'parallel',
      sourceId: 'customers-db',
      deadline: content.deadline,
      batchRoot: content.batchRoot,
      // What a verdict's signature covers, so that RecordVerdict need not read the block.
      contentHash: sha256Hex(firstBlockSigningPayload(content)),
      records: 3,
      participants: mspIds(3),
      // Over the voters: Org2 and Org3, ceil(2 × 0.5).
      threshold: 1,
      quorumRatio: '0.5',
      createdAt: '2025-01-01T00:00:00.000Z',
    };
    expect(JSON.parse(stored?.toString('utf8') ?? 'null')).to.deep.equal(meta);
    expect(ledger.lastStub?.putState.getCalls().map((call) => call.args[0])).to.include(metaKey);
  });

  it('returns the block, its verdicts and a pending outcome from GetFirstBlock', async () => {
    const { contentJson, signature } = newSignedFirstBlock(org1, { hashOnly: true });
    const created = await ledger.submitJson<StoredFirstBlock>(
      org1,
      'CreateFirstBlock',
      contentJson,
      signature,
      SALT_SEED,
    );

    const view = await ledger.evaluateJson<{
      block: StoredFirstBlock;
      verdicts: Verdict[];
      outcome: OutcomeView;
    }>(org2, 'GetFirstBlock', 'block-1');

    expect(view).to.deep.equal({
      block: created,
      verdicts: [],
      outcome: {
        status: 'pending',
        recorded: false,
        valid: 0,
        invalid: 0,
        unverifiable: 0,
        participants: 2,
        threshold: 1,
      },
    });
  });

  it('recognises an identical retry, even re-signed, as DUPLICATE_FIRST_BLOCK', async () => {
    const content = newFirstBlockContent(org1);
    const first = signFirstBlock(org1, content);
    await ledger.submit(
      org1,
      'CreateFirstBlock',
      first.contentJson,
      first.signature,
      first.saltSeed,
    );
    const retry = signFirstBlock(org1, content);

    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(org1, 'CreateFirstBlock', retry.contentJson, retry.signature, retry.saltSeed),
      'DUPLICATE_FIRST_BLOCK',
    );
  });

  it('recognises an identical retry after the deadline has passed', async () => {
    const { contentJson, signature } = newSignedFirstBlock(org1);
    await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);
    ledger.advance(2 * 86_400_000);

    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
      'DUPLICATE_FIRST_BLOCK',
    );
  });

  it('refuses different content under an existing id with FIRST_BLOCK_EXISTS', async () => {
    const first = newSignedFirstBlock(org1, { records: 1 });
    await ledger.submit(
      org1,
      'CreateFirstBlock',
      first.contentJson,
      first.signature,
      first.saltSeed,
    );
    const other = newSignedFirstBlock(org1, { records: 2 });

    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(org1, 'CreateFirstBlock', other.contentJson, other.signature, other.saltSeed),
      'FIRST_BLOCK_EXISTS',
    );
  });

  describe('signature', () => {
    it('refuses a signature made with another key', async () => {
      const content = newFirstBlockContent(org1);
      const forged = signFirstBlock(org2, content);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(
          org1,
          'CreateFirstBlock',
          forged.contentJson,
          forged.signature,
          forged.saltSeed,
        ),
        'BAD_SIGNATURE',
      );
    });

    it('refuses content altered after signing', async () => {
      const { content, signature } = newSignedFirstBlock(org1);
      const altered = { ...content, mode: 'relay' };

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', JSON.stringify(altered), signature, SALT_SEED),
        'BAD_SIGNATURE',
      );
    });

    it('refuses a signature with a flipped byte', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1);
      const bytes = Buffer.from(signature, 'base64');
      bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 0x01;

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, bytes.toString('base64'), SALT_SEED),
        'BAD_SIGNATURE',
      );
    });

    it('refuses a signature that is not base64', async () => {
      const { contentJson } = newSignedFirstBlock(org1);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, 'not base64!', SALT_SEED),
        'INVALID_ARGUMENT',
      );
    });

    it('verifies against the submitting certificate, not another of the same organisation', async () => {
      const colleague = await newIdentity('Org1MSP', 'user2@Org1MSP');
      const content = newFirstBlockContent(org1);
      const signedByColleague = {
        contentJson: JSON.stringify(content),
        signature: signPayload(colleague, firstBlockSigningPayload(content)),
      };

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(
          org1,
          'CreateFirstBlock',
          signedByColleague.contentJson,
          signedByColleague.signature,
          SALT_SEED,
        ),
        'BAD_SIGNATURE',
      );
    });
  });

  describe('requester', () => {
    it('refuses content naming another organisation', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org2);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'REQUESTER_MISMATCH',
      );
    });

    it('refuses content naming another certificate of the same organisation', async () => {
      const colleague = await newIdentity('Org1MSP', 'user3@Org1MSP');
      const { contentJson, signature } = signFirstBlock(
        org1,
        newFirstBlockContent(org1, { requester: colleague }),
      );

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'REQUESTER_MISMATCH',
      );
    });

    it('refuses a requester outside the participant set', async () => {
      const outsider = await identityOf('OutsiderMSP');
      const { contentJson, signature } = newSignedFirstBlock(outsider);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'NOT_A_PARTICIPANT',
      );
    });

    it("refuses a non-participant's malformed block of several MiB before parsing it", async () => {
      const outsider = await identityOf('OutsiderMSP');
      const malformed = `{"id":"block-1","records":[${' '.repeat(7 * 1024 * 1024)}`;

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'CreateFirstBlock', malformed, 'not base64!', SALT_SEED),
        'NOT_A_PARTICIPANT',
      );
    });

    it("refuses a non-participant's largest block before checking its hashes", async () => {
      const outsider = await identityOf('OutsiderMSP');
      const content = newFirstBlockContent(outsider, { records: 1000 });
      const tampered = {
        ...content,
        records: content.records.map((record) => ({ ...record, recordHash: '0'.repeat(64) })),
      };
      const { contentJson, signature } = signFirstBlock(outsider, tampered);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'NOT_A_PARTICIPANT',
      );
    });

    it('refuses before the participant set is initialised', async () => {
      const empty = new LedgerDouble();
      const { contentJson, signature } = newSignedFirstBlock(org1);

      await expectRefusedWithoutWrites(
        empty,
        empty.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'NOT_INITIALISED',
      );
    });
  });

  describe('deadline', () => {
    for (const [title, deadline] of [
      ['in the past', '2024-12-31T23:59:59Z'],
      ['equal to the transaction time', '2025-01-01T00:00:00Z'],
      ['more than 30 days ahead', '2025-01-31T00:00:00.001Z'],
    ] as const) {
      it(`refuses a deadline ${title}`, async () => {
        const { contentJson, signature } = newSignedFirstBlock(org1, { deadline });

        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
          'DEADLINE_INVALID',
        );
      });
    }

    it('accepts a deadline exactly 30 days ahead', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1, {
        deadline: daysAfterStart(30),
      });

      await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);
    });
  });

  describe('content', () => {
    it('refuses another scheme', async () => {
      const content = { ...newFirstBlockContent(org1), scheme: 'corroborate-v0' };
      const signature = signPayload(org1, JSON.stringify(content));

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', JSON.stringify(content), signature, SALT_SEED),
        'UNSUPPORTED_SCHEME',
      );
    });

    it('refuses content whose record hash does not match its data', async () => {
      const content = newFirstBlockContent(org1, { records: 2 });
      const [first, second] = content.records as [
        (typeof content.records)[0],
        (typeof content.records)[0],
      ];
      const tampered = { ...content, records: [{ ...first, data: second.data }, second] };
      const { contentJson, signature } = signFirstBlock(org1, tampered);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'INVALID_ARGUMENT',
      );
    });

    it('refuses content that is not JSON', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', '{"id":', 'AAAA', SALT_SEED),
        'INVALID_ARGUMENT',
      );
    });

    it('refuses an oversized argument before parsing it', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', ' '.repeat(8 * 1024 * 1024 + 1), 'AAAA', SALT_SEED),
        'PAYLOAD_TOO_LARGE',
      );
    });
  });

  describe('salt seed', () => {
    /** Refused with the code, writing nothing, and the message naming what is wrong. */
    async function refusedWith(
      on: LedgerDouble,
      attempt: Promise<unknown>,
      code: string,
      message?: RegExp,
    ): Promise<void> {
      await expectRefusedWithoutWrites(on, attempt, code);
      if (message) await expect(attempt).to.be.rejectedWith(message);
    }

    it('stores a corroborate-v1 block as before: no seed, none taken', async () => {
      const { content, contentJson, signature, saltSeed } = newSignedFirstBlock(org1, {
        scheme: SCHEME_V1,
      });
      expect(saltSeed).to.equal('');

      const block = await ledger.submitJson<StoredFirstBlock>(
        org1,
        'CreateFirstBlock',
        contentJson,
        signature,
        saltSeed,
      );

      expect(block.content).to.deep.equal(content);
      expect(block).to.not.have.property('saltSeed');
    });

    it('refuses a seed for a corroborate-v1 block', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1, { scheme: SCHEME_V1 });

      await refusedWith(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED),
        'INVALID_ARGUMENT',
        /saltSeed: must be '' for a corroborate-v1 block/,
      );
    });

    for (const hashOnly of [false, true]) {
      it(`refuses a corroborate-v2 block${hashOnly ? ', hash-only too,' : ''} without its seed`, async () => {
        const { contentJson, signature } = newSignedFirstBlock(org1, { hashOnly });

        await refusedWith(
          ledger,
          ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, ''),
          'INVALID_ARGUMENT',
          /saltSeed: a corroborate-v2 block/,
        );
      });
    }

    it('refuses a seed that is not 64 lowercase hex digits', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1);
      for (const seed of [SALT_SEED.toUpperCase(), SALT_SEED.slice(2), `${SALT_SEED}00`, 'x']) {
        await refusedWith(
          ledger,
          ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, seed),
          'INVALID_ARGUMENT',
          /saltSeed: must be 64 lowercase hex digits/,
        );
      }
    });

    it('refuses a block with data under another seed than its hashes were salted with', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1, { records: 2 });

      await refusedWith(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, sha256Hex('other seed')),
        'INVALID_ARGUMENT',
        /records\[0\]\.recordHash: does not match data/,
      );
    });

    it('refuses the same content under an existing id with another seed', async () => {
      const { contentJson, signature } = newSignedFirstBlock(org1, { hashOnly: true });
      await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);

      await refusedWith(
        ledger,
        ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, sha256Hex('other seed')),
        'FIRST_BLOCK_EXISTS',
      );
    });
  });

  it('refuses GetFirstBlock for an unknown id', async () => {
    await expect(ledger.evaluate(org1, 'GetFirstBlock', 'missing')).to.be.rejectedWith(
      refusal('FIRST_BLOCK_NOT_FOUND'),
    );
  });
});
