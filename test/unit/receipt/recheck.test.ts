import {
  attestationSigningPayload,
  type Attestation,
  type AttestationBody,
  type RecheckRoundView,
} from '@corroborate/protocol';
import { expect } from 'chai';
import {
  buildReceipt,
  receiptDigest,
  verifyReceipt,
  type Receipt,
} from '../../../gateway/src/receipt';
import { newIdentity, signPayload, type TestIdentity } from '../../support/identities';
import { newFakeLedger, newScenario, type Scenario } from './fixture';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access */
type Forgeable = Record<string, any>;

describe('a receipt with the latest re-verification round', () => {
  let scenario: Scenario;

  before(async () => {
    scenario = await newScenario({ results: ['valid', 'valid', undefined, undefined] });
  });

  function attestation(signer: TestIdentity, round: number, body: AttestationBody): Attestation {
    const { block } = scenario.view;
    const payload = attestationSigningPayload(
      {
        blockId: block.content.id,
        contentHash: block.contentHash,
        round,
        participant: signer.mspId,
      },
      body,
    );
    return {
      blockId: block.content.id,
      round,
      participant: signer.mspId,
      ...body,
      signature: signPayload(signer, payload),
      signerCertificate: signer.certificate,
      recordedAt: '2029-12-31T12:00:00.000Z',
      txId: `tx-attest-${signer.mspId}-${round}`,
    };
  }

  function roundOf(round: number, attestations: Attestation[]): RecheckRoundView {
    return {
      blockId: scenario.view.block.content.id,
      round,
      requestedBy: 'Org2MSP',
      requestedAt: '2029-12-31T11:59:00.000Z',
      txId: `tx-round-${round}`,
      attestations,
    };
  }

  async function receiptWith(rounds: RecheckRoundView[]): Promise<Receipt> {
    const ledger = {
      ...newFakeLedger(scenario),
      getRechecks: (blockId: string) => Promise.resolve({ blockId, rounds }),
    };
    return buildReceipt(ledger, scenario.view.block.content.id);
  }

  const member = (mspId: string): TestIdentity => scenario.members.get(mspId) as TestIdentity;
  const drifted: AttestationBody = {
    result: 'drifted',
    reason: 'HASH_MISMATCH',
    differingFields: [{ record: 1, fields: ['name'] }],
  };
  const matches: AttestationBody = { result: 'matches', reason: 'OK', differingFields: [] };

  /** The receipt edited as a forger would, its digest recomputed. */
  function forged(receipt: Receipt, edit: (body: Forgeable) => void): Forgeable {
    const body = structuredClone(receipt) as Forgeable;
    delete body.digest;
    edit(body);
    return { ...body, digest: receiptDigest(body) };
  }

  it('carries the latest round only, and verifies its signatures against the trust file', async () => {
    const receipt = await receiptWith([
      roundOf(1, [attestation(member('Org2MSP'), 1, matches)]),
      roundOf(2, [
        attestation(scenario.requester, 2, matches),
        attestation(member('Org3MSP'), 2, drifted),
      ]),
    ]);
    expect(receipt.recheck?.round).to.equal(2);
    const verification = verifyReceipt(receipt, { trust: scenario.trust });
    expect(verification.valid, JSON.stringify(verification.checks)).to.be.true;
    expect(verification.consensus.proven).to.be.true;
    const check = verification.checks.find((each) => each.name === 'recheck');
    expect(check?.ok).to.be.true;
    expect(check?.detail).to.equal(
      'round 2, 2 signed attestation(s): Org1MSP matches, Org3MSP drifted (record 1: name)',
    );
  });

  it('has no recheck when the block was never re-checked', async () => {
    const receipt = await receiptWith([]);
    expect(receipt).not.to.have.property('recheck');
    expect(verifyReceipt(receipt).checks.map((check) => check.name)).not.to.include('recheck');
  });

  it('fails a drifted attestation rewritten to matches, even with its digest recomputed', async () => {
    const receipt = await receiptWith([roundOf(1, [attestation(member('Org3MSP'), 1, drifted)])]);
    const rewritten = forged(receipt, (body) => {
      body.recheck.attestations[0].result = 'matches';
      body.recheck.attestations[0].reason = 'OK';
      body.recheck.attestations[0].differingFields = [];
    });
    const verification = verifyReceipt(rewritten);
    expect(verification.valid).to.be.false;
    expect(verification.checks.find((check) => check.name === 'recheck')?.detail).to.include(
      'does not verify over this block, round and attestation',
    );
  });

  it('fails an attestation moved to another round, or carrying a value beside the names', async () => {
    const receipt = await receiptWith([roundOf(2, [attestation(member('Org3MSP'), 1, drifted)])]);
    expect(verifyReceipt(receipt).valid).to.be.false;
    const fine = await receiptWith([roundOf(1, [attestation(member('Org3MSP'), 1, drifted)])]);
    const withValue = forged(fine, (body) => {
      body.recheck.attestations[0].differingFields[0].values = ['Mallory'];
    });
    expect(verifyReceipt(withValue).valid).to.be.false;
  });

  it("fails, against the trust file, a self-signed key attesting under Org3MSP's name", async () => {
    const impostor = await newIdentity('Org3MSP');
    const receipt = await receiptWith([roundOf(1, [attestation(impostor, 1, drifted)])]);
    // Its signature verifies with the certificate it carries: only the trust file tells.
    expect(verifyReceipt(receipt).valid).to.be.true;
    const verification = verifyReceipt(receipt, { trust: scenario.trust });
    expect(verification.valid).to.be.false;
    expect(verification.checks.find((check) => check.name === 'recheck')?.detail).to.include(
      'is not issued by a CA of Org3MSP in the trust file',
    );
  });
});
