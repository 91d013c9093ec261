import type {
  Attestation,
  AttestationBody,
  FirstBlockContent,
  RecheckHistory,
  RecheckRound,
} from '@corroborate/protocol';
import {
  attestationSigningPayload,
  firstBlockSigningPayload,
  parseAttestationInput,
  sha256Hex,
  verifySignature,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { TestIdentity } from '../../support/identities';
import { newIdentity, signPayload } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import {
  identityOf,
  initParticipants,
  invalidVerdict,
  members,
  mspIds,
  newSignedFirstBlock,
  validVerdict,
} from './fixtures';
import { compositeKey as key, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

const matches: AttestationBody = { result: 'matches', reason: 'OK', differingFields: [] };
const drifted: AttestationBody = {
  result: 'drifted',
  reason: 'HASH_MISMATCH',
  differingFields: [{ record: 1, fields: ['amount', 'status'] }],
};
const unreadable: AttestationBody = {
  result: 'unreadable',
  reason: 'SOURCE_UNAVAILABLE',
  differingFields: [],
};

describe('Re-verification rounds (RequestRecheck, RecordAttestation, GetRechecks)', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;
  let org3: TestIdentity;
  let org4: TestIdentity;
  let outsider: TestIdentity;
  let content: FirstBlockContent;

  before(async () => {
    ({ org1, org2, org3 } = await members(4));
    org4 = await identityOf('Org4MSP');
    outsider = await identityOf('Org9MSP');
  });

  async function createBlock(blockId = 'block-1'): Promise<FirstBlockContent> {
    const signed = newSignedFirstBlock(org1, { id: blockId, records: 2 });
    await ledger.submit(
      org1,
      'CreateFirstBlock',
      signed.contentJson,
      signed.signature,
      signed.saltSeed,
    );
    return signed.content;
  }

  async function accept(blockId = 'block-1'): Promise<void> {
    await ledger.recordVerdict(org2, blockId, validVerdict(content));
    await ledger.recordVerdict(org3, blockId, validVerdict(content));
    await ledger.submit(org2, 'FinalizeOutcome', blockId, '');
  }

  function sign(
    by: TestIdentity,
    round: number,
    body: AttestationBody,
    blockId = 'block-1',
  ): string {
    const payload = attestationSigningPayload(
      {
        blockId,
        contentHash: sha256Hex(firstBlockSigningPayload(content)),
        round,
        participant: by.mspId,
      },
      body,
    );
    return JSON.stringify({ ...body, signature: signPayload(by, payload) });
  }

  function attest(by: TestIdentity, round: number, body: AttestationBody): Promise<string> {
    return ledger.submit(by, 'RecordAttestation', 'block-1', String(round), sign(by, round, body));
  }

  beforeEach(async () => {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(4));
    content = await createBlock();
  });

  describe('RequestRecheck', () => {
    it('opens round 1, then round 2, of an accepted block and announces each', async () => {
      await accept();
      const first = await ledger.submitJson<RecheckRound>(org3, 'RequestRecheck', 'block-1');
      expect(first).to.deep.equal({
        blockId: 'block-1',
        round: 1,
        requestedBy: 'Org3MSP',
        requestedAt: '2025-01-01T00:00:00.000Z',
        txId: first.txId,
      });
      expect(ledger.events.at(-1)).to.deep.include({
        name: 'RecheckRequested',
        payload: {
          blockId: 'block-1',
          round: 1,
          requestedBy: 'Org3MSP',
          sourceId: content.interface.sourceId,
          txId: first.txId,
        },
      });
      const second = await ledger.submitJson<RecheckRound>(org1, 'RequestRecheck', 'block-1');
      expect(second.round).to.equal(2);
      expect(ledger.world.has(key('recheckround', 'block-1', '0000000002'))).to.be.true;
    });

    it('refuses a pending block with NOT_ACCEPTED and writes nothing', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RequestRecheck', 'block-1'),
        'NOT_ACCEPTED',
      );
    });

    it('refuses a rejected block with NOT_ACCEPTED and writes nothing', async () => {
      await ledger.recordVerdict(org2, 'block-1', invalidVerdict());
      await ledger.recordVerdict(org3, 'block-1', invalidVerdict());
      await ledger.submit(org2, 'FinalizeOutcome', 'block-1', '');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RequestRecheck', 'block-1'),
        'NOT_ACCEPTED',
      );
    });

    it('refuses an unknown block and an organisation outside the snapshot', async () => {
      await accept();
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RequestRecheck', 'block-9'),
        'FIRST_BLOCK_NOT_FOUND',
      );
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'RequestRecheck', 'block-1'),
        'NOT_A_PARTICIPANT',
      );
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RequestRecheck', 'bad id!'),
        'INVALID_ARGUMENT',
      );
    });
  });

  describe('RecordAttestation', () => {
    beforeEach(async () => {
      await accept();
      await ledger.submit(org2, 'RequestRecheck', 'block-1');
    });

    it("stores each participant's signed attestation under its own key, the requester's too", async () => {
      const stored = JSON.parse(await attest(org4, 1, drifted)) as Attestation;
      expect(stored).to.deep.equal({
        blockId: 'block-1',
        round: 1,
        participant: 'Org4MSP',
        result: 'drifted',
        reason: 'HASH_MISMATCH',
        differingFields: [{ record: 1, fields: ['amount', 'status'] }],
        signature: stored.signature,
        signerCertificate: org4.certificate,
        recordedAt: stored.recordedAt,
        txId: stored.txId,
      });
      const payload = attestationSigningPayload(
        {
          blockId: 'block-1',
          contentHash: sha256Hex(firstBlockSigningPayload(content)),
          round: 1,
          participant: 'Org4MSP',
        },
        drifted,
      );
      expect(verifySignature(payload, stored.signature, org4.certificate)).to.be.true;
      expect(ledger.events.at(-1)).to.deep.include({
        name: 'AttestationRecorded',
        payload: {
          blockId: 'block-1',
          round: 1,
          participant: 'Org4MSP',
          result: 'drifted',
          reason: 'HASH_MISMATCH',
          differingFields: [{ record: 1, fields: ['amount', 'status'] }],
          txId: stored.txId,
        },
      });
      await attest(org1, 1, matches);
      expect(ledger.world.has(key('attestation', 'block-1', '0000000001', 'Org4MSP'))).to.be.true;
      expect(ledger.world.has(key('attestation', 'block-1', '0000000001', 'Org1MSP'))).to.be.true;
    });

    it('refuses a second attestation by the same participant in a round', async () => {
      await attest(org2, 1, matches);
      await expectRefusedWithoutWrites(ledger, attest(org2, 1, drifted), 'DUPLICATE_ATTESTATION');
    });

    it('refuses a round that was never opened', async () => {
      await expectRefusedWithoutWrites(ledger, attest(org2, 2, matches), 'RECHECK_ROUND_NOT_FOUND');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordAttestation', 'block-1', '0', sign(org2, 0, matches)),
        'INVALID_ARGUMENT',
      );
    });

    it('refuses a signature by another key, or over another round or body', async () => {
      const otherKey = await newIdentity('Org2MSP');
      const forged = JSON.stringify({
        ...matches,
        signature: (JSON.parse(sign(otherKey, 1, matches)) as { signature: string }).signature,
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordAttestation', 'block-1', '1', forged),
        'BAD_ATTESTATION_SIGNATURE',
      );
      await ledger.submit(org2, 'RequestRecheck', 'block-1');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordAttestation', 'block-1', '2', sign(org2, 1, matches)),
        'BAD_ATTESTATION_SIGNATURE',
      );
      const swapped = JSON.stringify({
        ...drifted,
        signature: (JSON.parse(sign(org2, 1, matches)) as { signature: string }).signature,
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordAttestation', 'block-1', '1', swapped),
        'BAD_ATTESTATION_SIGNATURE',
      );
    });

    it('refuses bad input: a result without its reason, values, records outside the block', async () => {
      const cases: unknown[] = [
        { ...matches, reason: 'HASH_MISMATCH' },
        { ...drifted, differingFields: [] },
        { ...matches, differingFields: drifted.differingFields },
        { ...drifted, differingFields: [{ record: 0, fields: ['amount'], values: ['1'] }] },
        { ...unreadable, reason: 'OK' },
      ];
      for (const body of cases) {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(
            org2,
            'RecordAttestation',
            'block-1',
            '1',
            JSON.stringify({ ...(body as object), signature: 'AAAA' }),
          ),
          'INVALID_ARGUMENT',
        );
      }
      const outside: AttestationBody = {
        ...drifted,
        differingFields: [{ record: 2, fields: ['amount'] }],
      };
      await expectRefusedWithoutWrites(ledger, attest(org2, 1, outside), 'INVALID_ARGUMENT');
    });

    it('refuses an organisation outside the snapshot', async () => {
      await expectRefusedWithoutWrites(ledger, attest(outsider, 1, matches), 'NOT_A_PARTICIPANT');
    });
  });

  describe('GetRechecks', () => {
    it('lists no rounds for a block never re-checked, and refuses an unknown block', async () => {
      expect(
        await ledger.evaluateJson<RecheckHistory>(org2, 'GetRechecks', 'block-1'),
      ).to.deep.equal({ blockId: 'block-1', rounds: [] });
      await expect(ledger.evaluate(org2, 'GetRechecks', 'block-9')).to.be.rejectedWith(
        /^FIRST_BLOCK_NOT_FOUND: /,
      );
    });

    it("lists every round, oldest first, each with its attestations in the snapshot's order", async () => {
      await accept();
      await ledger.submit(org2, 'RequestRecheck', 'block-1');
      await ledger.submit(org3, 'RequestRecheck', 'block-1');
      await attest(org3, 1, drifted);
      await attest(org1, 1, matches);
      await attest(org4, 2, unreadable);
      const history = await ledger.evaluateJson<RecheckHistory>(org4, 'GetRechecks', 'block-1');
      expect(history.rounds.map((round) => round.round)).to.deep.equal([1, 2]);
      expect(history.rounds[0]?.attestations.map((a) => [a.participant, a.result])).to.deep.equal([
        ['Org1MSP', 'matches'],
        ['Org3MSP', 'drifted'],
      ]);
      expect(history.rounds[1]?.attestations.map((a) => a.participant)).to.deep.equal(['Org4MSP']);
      expect(history.rounds[1]?.requestedBy).to.equal('Org3MSP');
    });
  });
});

describe('parseAttestationInput', () => {
  it('accepts each result with its reason and only drifted naming fields', () => {
    for (const body of [matches, drifted, unreadable]) {
      expect(parseAttestationInput({ ...body, signature: 'AAAA' })).to.deep.equal({
        ...body,
        signature: 'AAAA',
      });
    }
  });

  it('refuses names out of order, repeated records and a record past the count', () => {
    const bad = [
      { record: 0, fields: ['status', 'amount'] },
      { record: 0, fields: ['amount', 'amount'] },
    ];
    for (const entry of bad) {
      expect(() =>
        parseAttestationInput({ ...drifted, differingFields: [entry], signature: 'AAAA' }),
      ).to.throw(/^INVALID_ARGUMENT: /);
    }
    expect(() =>
      parseAttestationInput({
        ...drifted,
        differingFields: [
          { record: 1, fields: ['a'] },
          { record: 1, fields: ['b'] },
        ],
        signature: 'AAAA',
      }),
    ).to.throw(/^INVALID_ARGUMENT: /);
    expect(() => parseAttestationInput({ ...drifted, signature: 'AAAA' }, 1)).to.throw(
      /^INVALID_ARGUMENT: differingFields\[0\]\.record/,
    );
  });
});
