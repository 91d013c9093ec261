import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { X509Certificate } from 'node:crypto';
import * as sinon from 'sinon';
import {
  canonicalJson,
  sha256Hex,
  verifyFieldProof,
  verifyRecordProof,
  TIME_WINDOW_SECONDS,
} from '@corroborate/protocol';
import { CorroborateError } from '../../../gateway/src/errors';
import {
  buildReceipt,
  serializeReceipt,
  verifyReceipt,
  verifyReceiptText,
  type Receipt,
  type ReceiptVerification,
} from '../../../gateway/src/receipt';
import { newAuthority, newIdentity, type TestAuthority } from '../../support/identities';
import {
  newFakeLedger,
  newScenario,
  participants,
  txIdOf,
  voters,
  type Scenario,
  type ScenarioOptions,
} from './fixture';

use(chaiAsPromised);

// Tampering edits receipts as the untyped JSON an attacker would.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A deep copy to edit, re-digested so that only the check under test can notice the edit. */
function edited(receipt: Receipt, edit: (copy: Mutable) => void): Mutable {
  const body = JSON.parse(JSON.stringify(receipt)) as Mutable;
  delete body.digest;
  edit(body);
  return { ...body, digest: sha256Hex(canonicalJson(body)) };
}

function failedChecks(verification: ReceiptVerification): string[] {
  return verification.checks.filter((check) => !check.ok).map((check) => check.name);
}

describe('receipts', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;
  let receipt: Receipt;

  before(async () => {
    scenario = await newScenario();
    receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
      proofs: [{ record: 1, field: 'name' }, { record: 2 }],
      channel: 'corroborate',
      chaincode: 'corroborate',
    });
  });

  afterEach(() => {
    sandbox.restore();
  });

  describe('buildReceipt', () => {
    it('copies the block, verdicts and outcome with the ledger block number of each transaction', () => {
      expect(receipt.format).to.equal('corroborate-receipt-v2');
      expect(receipt.channel).to.equal('corroborate');
      expect(receipt.block.blockNumber).to.equal('7');
      expect(receipt.block.content).to.deep.equal(scenario.view.block.content);
      expect(receipt.verdicts.map((verdict) => verdict.blockNumber)).to.deep.equal(['8', '9']);
      expect(receipt.outcome).to.include({ status: 'accepted', recorded: true, blockNumber: '20' });
    });

    it('binds the whole receipt with a digest of its canonical JSON', () => {
      const { digest, ...body } = receipt;
      expect(digest).to.equal(sha256Hex(canonicalJson(body)));
    });

    it('proves a record against the batch root and a field against the record hash', () => {
      const [fieldProof, recordOnly] = receipt.proofs;
      const content = receipt.block.content;
      expect(fieldProof?.fieldProof?.value).to.deep.equal({ t: 'text', v: 'Alan Turing' });
      expect(
        verifyRecordProof(
          content.records[1]!.recordHash,
          fieldProof!.recordProof,
          content.batchRoot,
        ),
      ).to.be.true;
      expect(verifyFieldProof(fieldProof!.fieldProof!, content.records[1]!.recordHash)).to.be.true;
      expect(recordOnly).to.not.have.property('fieldProof');
    });

    it('asks the ledger only through the facade', async () => {
      const ledger = newFakeLedger(scenario);
      const getFirstBlock = sandbox.spy(ledger, 'getFirstBlock');
      const blockNumberOf = sandbox.spy(ledger, 'blockNumberOf');
      await buildReceipt(ledger, 'req-accounts-1', {});
      expect(getFirstBlock.calledOnceWith('req-accounts-1')).to.be.true;
      expect(blockNumberOf.args.map(([txId]) => txId)).to.have.members([
        txIdOf('create'),
        txIdOf('verdict:Org2MSP'),
        txIdOf('verdict:Org3MSP'),
        txIdOf('outcome'),
      ]);
    });

    it('refuses a field proof for a hash-only block, which carries no field values', async () => {
      const hashOnly = await newScenario({ hashOnly: true });
      const ledger = newFakeLedger(hashOnly);
      await expect(
        buildReceipt(ledger, 'req-hash-only-1', { proofs: [{ record: 0, field: 'name' }] }),
      )
        .to.be.rejectedWith(CorroborateError, /hash-only/)
        .and.eventually.have.property('code', 'INVALID_REQUEST');
    });

    it('refuses a proof of a record the block does not have', async () => {
      await expect(
        buildReceipt(newFakeLedger(scenario), 'req-accounts-1', { proofs: [{ record: 3 }] }),
      ).to.be.rejectedWith(CorroborateError, /proofs\[0\]\.record: .* records 0\.\.2, not 3/);
    });

    it('refuses a proof of a field the record does not have', async () => {
      await expect(
        buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
          proofs: [{ record: 0, field: 'email' }],
        }),
      ).to.be.rejectedWith(CorroborateError, /no field "email"/);
    });

    it('passes on the ledger error for an unknown block', async () => {
      await expect(buildReceipt(newFakeLedger(scenario), 'nope', {})).to.be.rejectedWith(
        /FIRST_BLOCK_NOT_FOUND/,
      );
    });
  });

  describe('verifyReceipt', () => {
    it('accepts a receipt built from the ledger, naming every check', () => {
      const verification = verifyReceipt(receipt);
      expect(failedChecks(verification)).to.deep.equal([]);
      expect(verification).to.include({
        valid: true,
        blockId: 'req-accounts-1',
        status: 'accepted',
      });
      expect(verification.checks.map((check) => check.name)).to.deep.equal([
        'format',
        'digest',
        'content',
        'contentHash',
        'certificateFingerprint',
        'signature',
        'records',
        'batchRoot',
        'participants',
        'verdicts',
        'verdictSignatures',
        'outcome',
        'proofs',
      ]);
    });

    it('accepts a hash-only receipt with record proofs', async () => {
      const hashOnly = await newScenario({ hashOnly: true });
      const built = await buildReceipt(newFakeLedger(hashOnly), 'req-hash-only-1', {
        proofs: [{ record: 0 }],
      });
      expect(failedChecks(verifyReceipt(built))).to.deep.equal([]);
    });

    it('accepts a pending receipt and reports it as pending', async () => {
      const pending = await newScenario({ results: ['valid', undefined, 'invalid', undefined] });
      const built = await buildReceipt(newFakeLedger(pending), 'req-accounts-1');
      const verification = verifyReceipt(built);
      expect(verification).to.include({ valid: true, status: 'pending' });
    });

    it('accepts a rejected outcome once acceptance is impossible', async () => {
      const rejected = await newScenario({ results: ['invalid', 'invalid', 'invalid', undefined] });
      const built = await buildReceipt(newFakeLedger(rejected), 'req-accounts-1');
      expect(verifyReceipt(built)).to.include({ valid: true, status: 'rejected' });
    });

    describe('with abstentions', () => {
      it('accepts an outcome accepted by two voters while the others abstain, counting the abstentions', async () => {
        const accepted = await newScenario({
          results: ['unverifiable', 'valid', 'unverifiable', 'valid'],
        });
        const built = await buildReceipt(newFakeLedger(accepted), 'req-accounts-1');

        const verification = verifyReceipt(built);

        expect(failedChecks(verification)).to.deep.equal([]);
        expect(verification.status).to.equal('accepted');
        expect(verification.checks.find((check) => check.name === 'outcome')?.detail).to.equal(
          'accepted (recorded): 2 valid, 0 invalid, 2 unverifiable of 4, threshold 2',
        );
      });

      it('accepts a pending receipt that abstentions keep from acceptance: it is not rejected', async () => {
        const stalled = await newScenario({
          results: ['unverifiable', 'invalid', 'unverifiable', 'invalid'],
        });
        const built = await buildReceipt(newFakeLedger(stalled), 'req-accounts-1');

        expect(verifyReceipt(built)).to.include({ valid: true, status: 'pending' });
      });

      it('refuses a rejection claimed on abstentions, even re-digested', async () => {
        const stalled = await newScenario({
          results: ['unverifiable', 'invalid', 'unverifiable', 'invalid'],
        });
        const built = await buildReceipt(newFakeLedger(stalled), 'req-accounts-1');
        const forged = edited(built, (copy) => {
          copy.outcome.status = 'rejected';
          copy.outcome.recorded = true;
          copy.outcome.decidedAt = '2025-06-01T10:00:05Z';
          copy.outcome.txId = txIdOf('outcome');
          copy.outcome.blockNumber = '20';
        });

        const verification = verifyReceipt(forged);

        expect(failedChecks(verification)).to.deep.equal(['outcome']);
        expect(verification.checks.find((check) => check.name === 'outcome')?.detail).to.equal(
          '0 valid / 2 invalid / 2 unverifiable of 4 (threshold 2) is not rejected',
        );
      });

      it('refuses abstentions counted as invalid verdicts, and an outage recorded as evidence', async () => {
        const stalled = await newScenario({
          results: ['unverifiable', 'invalid', 'unverifiable', 'invalid'],
        });
        const built = await buildReceipt(newFakeLedger(stalled), 'req-accounts-1');

        const recounted = edited(built, (copy) => {
          copy.outcome.invalid = 4;
          copy.outcome.unverifiable = 0;
        });
        expect(failedChecks(verifyReceipt(recounted))).to.deep.equal(['outcome']);

        const relabelled = edited(built, (copy) => {
          copy.verdicts[0].result = 'invalid';
        });
        const verification = verifyReceipt(relabelled);
        // Its participant signed the abstention: relabelled, it no longer verifies either.
        expect(failedChecks(verification)).to.deep.equal([
          'verdicts',
          'verdictSignatures',
          'outcome',
        ]);
        expect(verification.checks.find((check) => check.name === 'verdicts')?.detail).to.match(
          /verdicts\[0\]: INVALID_ARGUMENT: reason: SOURCE_UNAVAILABLE is no evidence/,
        );
      });

      it('reads a receipt made before abstentions, without their count, as counting none', () => {
        const older = edited(receipt, (copy) => {
          delete copy.outcome.unverifiable;
        });
        expect(failedChecks(verifyReceipt(older))).to.deep.equal([]);
        const negative = edited(receipt, (copy) => {
          copy.outcome.unverifiable = -1;
        });
        expect(failedChecks(verifyReceipt(negative))).to.deep.equal(['outcome']);
      });
    });

    it('accepts relay verdicts from the first participants of the snapshot', async () => {
      const relay = await newScenario({ mode: 'relay' });
      const built = await buildReceipt(newFakeLedger(relay), 'req-accounts-1');
      expect(failedChecks(verifyReceipt(built))).to.deep.equal([]);
    });

    it('refuses relay verdicts that skip a participant', async () => {
      const relay = await newScenario({
        mode: 'relay',
        results: [undefined, 'valid', 'valid', undefined],
      });
      const built = await buildReceipt(newFakeLedger(relay), 'req-accounts-1');
      expect(failedChecks(verifyReceipt(built))).to.deep.equal(['verdicts']);
    });

    it('checks the requester certificate against trusted CA certificates when given', async () => {
      const trusted = verifyReceipt(receipt, {
        trustedCertificates: [scenario.authority.certificate],
      });
      expect(trusted.checks.find((check) => check.name === 'certificateChain')).to.include({
        ok: true,
      });
      const stranger = await newAuthority('Org9MSP');
      const untrusted = verifyReceipt(receipt, { trustedCertificates: [stranger.certificate] });
      expect(failedChecks(untrusted)).to.deep.equal(['certificateChain']);
    });

    it('refuses a CA of the same name that did not sign the requester certificate', async () => {
      const impostor = await newAuthority('Org1MSP');
      const requester = new X509Certificate(scenario.requester.certificate);
      // By name alone the impostor passes for the issuer: only its key can tell them apart.
      expect(requester.checkIssued(new X509Certificate(impostor.certificate))).to.be.true;
      const verification = verifyReceipt(receipt, { trustedCertificates: [impostor.certificate] });
      expect(failedChecks(verification)).to.deep.equal(['certificateChain']);
    });

    describe('an expired outcome', () => {
      // The scenario's deadline is 2030-01-01T00:00:00Z; the time window is 60 s past it.
      const expired = async (expiredAt: string): Promise<Receipt> =>
        buildReceipt(
          newFakeLedger(
            await newScenario({ results: ['valid', 'invalid', undefined, undefined], expiredAt }),
          ),
          'req-accounts-1',
        );

      it('is accepted when the sweep recorded it after the deadline and the time window', async () => {
        expect(TIME_WINDOW_SECONDS).to.equal(60);
        const verification = verifyReceipt(await expired('2030-01-01T00:01:00.000000001Z'));
        expect(failedChecks(verification)).to.deep.equal([]);
        expect(verification).to.include({ valid: true, status: 'expired' });
      });

      it('is refused when recorded within the time window after its deadline, or before it', async () => {
        for (const decidedAt of [
          '2030-01-01T00:01:00Z',
          '2030-01-01T00:00:00.000000001Z',
          '2030-01-01T00:00:00Z',
          '2029-12-31T23:59:59.999999999Z',
        ]) {
          const verification = verifyReceipt(await expired(decidedAt));
          expect(failedChecks(verification), decidedAt).to.deep.equal(['outcome']);
          expect(verification.checks.find((check) => check.name === 'outcome')?.detail).to.match(
            /expires only after the deadline .* plus the 60 s time window/,
          );
        }
      });

      it('is refused when it leaves out a verdict, since none can come after the deadline', async () => {
        const verification = verifyReceipt(
          edited(await expired('2030-01-02T00:00:00Z'), (copy) => {
            copy.outcome.invalid = 0;
          }),
        );
        expect(failedChecks(verification)).to.deep.equal(['outcome']);
      });

      it('is refused when acceptance or rejection was already decided', async () => {
        const decided = await newScenario({ expiredAt: '2030-01-02T00:00:00Z' });
        const built = await buildReceipt(newFakeLedger(decided), 'req-accounts-1');
        expect(failedChecks(verifyReceipt(built))).to.deep.equal(['outcome']);
      });
    });

    it('refuses any edit that keeps the old digest', () => {
      const copy = JSON.parse(JSON.stringify(receipt)) as Mutable;
      copy.outcome.decidedAt = '2025-06-01T10:00:06Z';
      expect(failedChecks(verifyReceipt(copy))).to.deep.equal(['digest']);
    });

    const tampering: Array<[string, (copy: Mutable) => void, string[]]> = [
      [
        'a changed field value',
        (copy) => {
          copy.block.content.records[0].data.balance.v = '1250.51';
        },
        ['content'],
      ],
      [
        'a forged signature',
        (copy) => {
          copy.block.signature = Buffer.from('forged').toString('base64');
        },
        ['signature'],
      ],
      [
        'a content hash of other content',
        (copy) => {
          copy.block.contentHash = sha256Hex('other');
        },
        // Each verdict is signed over the content hash too.
        ['contentHash', 'verdictSignatures'],
      ],
      [
        'a lowered threshold',
        (copy) => {
          copy.block.threshold = 1;
          copy.outcome.threshold = 1;
        },
        ['participants'],
      ],
      [
        'a verdict from outside the snapshot',
        (copy) => {
          copy.verdicts[1].participant = 'Org9MSP';
        },
        // The outcome's counts no longer match the voters' verdicts either, and Org3 signed as
        // itself.
        ['verdicts', 'verdictSignatures', 'outcome'],
      ],
      [
        'a second verdict from one participant',
        (copy) => {
          copy.verdicts[1].participant = copy.verdicts[0].participant;
        },
        ['verdicts', 'verdictSignatures', 'outcome'],
      ],
      [
        'a valid verdict on another batch root',
        (copy) => {
          copy.verdicts[0].observedHash = sha256Hex('x');
        },
        ['verdicts', 'verdictSignatures'],
      ],
      [
        'a verdict after the deadline',
        (copy) => {
          copy.verdicts[0].recordedAt = '2031-01-01T00:00:00Z';
        },
        ['verdicts'],
      ],
      [
        'an outcome the counts do not reach',
        (copy) => {
          copy.verdicts[1].result = 'invalid';
          copy.verdicts[1].reason = 'HASH_MISMATCH';
          copy.verdicts[1].observedHash = '';
        },
        ['verdictSignatures', 'outcome'],
      ],
      [
        'an inflated count',
        (copy) => {
          copy.outcome.valid = 3;
        },
        ['outcome'],
      ],
      [
        'a pending block claimed accepted',
        (copy) => {
          copy.verdicts.pop();
          copy.outcome.valid = 1;
        },
        ['outcome'],
      ],
      [
        'a changed proof path',
        (copy) => {
          copy.proofs[0].recordProof.path[0] = sha256Hex('y');
        },
        ['proofs'],
      ],
      [
        'a changed proven value',
        (copy) => {
          copy.proofs[0].fieldProof.value.v = 'Alan M. Turing';
        },
        ['proofs'],
      ],
      [
        'an unknown field',
        (copy) => {
          copy.note = 'hello';
        },
        ['format'],
      ],
      [
        'another format',
        (copy) => {
          copy.format = 'corroborate-receipt-v3';
        },
        ['format'],
      ],
    ];
    for (const [what, edit, expected] of tampering) {
      it(`refuses ${what}, even re-digested`, () => {
        const verification = verifyReceipt(edited(receipt, edit));
        expect(verification.valid).to.be.false;
        expect(failedChecks(verification)).to.include.members(expected.slice(0, 1));
        if (expected[0] !== 'format') {
          expect(failedChecks(verification)).to.have.members(expected);
        }
      });
    }

    it('refuses a certificate that is not the one the requester named', async () => {
      const other = await scenario.authority.issue('Org1MSP');
      const verification = verifyReceipt(
        edited(receipt, (copy) => {
          copy.block.requesterCertificate = other.certificate;
        }),
      );
      expect(failedChecks(verification)).to.deep.equal(['certificateFingerprint', 'signature']);
    });

    it('never throws, whatever it is given', () => {
      for (const input of [null, 42, 'receipt', [], {}, { format: 'corroborate-receipt-v1' }]) {
        expect(verifyReceipt(input).valid).to.be.false;
      }
      const broken = edited(receipt, (copy) => {
        copy.block.content = { id: 1 };
        copy.verdicts = [null, 7];
        copy.proofs = [{ record: 'x' }];
      });
      expect(verifyReceipt(broken).valid).to.be.false;
    });
  });

  describe('against a consortium trust file', () => {
    const proven = (verification: ReceiptVerification) => verification.consensus;
    const detailOf = (verification: ReceiptVerification, name: string) =>
      verification.checks.find((check) => check.name === name)?.detail;

    /** A receipt built from the ledger, as a member's gateway serves it. */
    async function receiptOf(options: ScenarioOptions): Promise<Receipt> {
      return buildReceipt(newFakeLedger(await newScenario(options)), 'req-accounts-1');
    }

    it("proves a genuine accepted receipt: every certificate from its own organisation's CA, and the threshold of trusted voters signed valid verdicts", () => {
      const verification = verifyReceipt(receipt, { trust: scenario.trust });

      expect(failedChecks(verification)).to.deep.equal([]);
      expect(verification).to.include({ valid: true, status: 'accepted' });
      expect(verification.consensus).to.deep.equal({
        proven: true,
        detail:
          'accepted: 2 valid and 0 invalid verdict(s) signed by trusted voters; threshold 2 of 4 voter(s) in the trusted set of 5 at ratio 0.5',
      });
      expect(verification.checks.map((check) => check.name)).to.include.members([
        'certificateChain',
        'verdictSignatures',
        'verdictCertificates',
        'consensus',
      ]);
    });

    it('leaves the consensus unproven without a trust file, however consistent the receipt', () => {
      const verification = verifyReceipt(receipt);
      expect(verification.valid).to.be.true;
      expect(proven(verification)).to.deep.equal({
        proven: false,
        detail:
          "unproven: no trust file, so nothing ties the requester's and the verdicts' certificates to their organisations",
      });
      expect(verification.checks.map((check) => check.name)).to.not.include('consensus');
    });

    it('does not verify a rejected receipt rewritten to accepted with its digest recomputed', async () => {
      const rejected = await receiptOf({ results: ['invalid', 'invalid', 'invalid', undefined] });
      expect(verifyReceipt(rejected, { trust: scenario.trust }).consensus.proven).to.be.true;
      const forged = edited(rejected, (copy) => {
        for (const verdict of copy.verdicts) {
          Object.assign(verdict, {
            result: 'valid',
            reason: 'OK',
            observedHash: copy.block.content.batchRoot,
            attempts: 1,
          });
        }
        Object.assign(copy.outcome, { status: 'accepted', valid: 3, invalid: 0 });
      });

      for (const options of [{}, { trust: scenario.trust }]) {
        const verification = verifyReceipt(forged, options);
        expect(verification.valid).to.be.false;
        expect(failedChecks(verification)).to.include('verdictSignatures');
        expect(verification.consensus.proven).to.be.false;
      }
    });

    it("does not prove a pending receipt made accepted with a verdict its forger signed under another organisation's name", async () => {
      const forger = await newIdentity('Org3MSP');
      const forged = await receiptOf({
        results: ['valid', 'valid', undefined, undefined],
        signers: new Map([['Org3MSP', forger]]),
      });

      // Self-consistent: only the trust file shows that Org3's CA never issued that certificate.
      const alone = verifyReceipt(forged);
      expect(alone).to.include({ valid: true, status: 'accepted' });
      expect(alone.consensus.proven).to.be.false;

      const verification = verifyReceipt(forged, { trust: scenario.trust });
      expect(failedChecks(verification)).to.deep.equal(['verdictCertificates', 'consensus']);
      expect(detailOf(verification, 'verdictCertificates')).to.match(
        /^the verdict of Org3MSP: CN=user1@Org3MSP, .* is not issued by a CA of Org3MSP in the trust file$/,
      );
    });

    it("refuses a verdict certificate issued by another organisation's CA", async () => {
      const impostor = await (scenario.authorities.get('Org3MSP') as TestAuthority).issue(
        'Org2MSP',
      );
      const forged = await receiptOf({ signers: new Map([['Org2MSP', impostor]]) });

      const verification = verifyReceipt(forged, { trust: scenario.trust });

      expect(failedChecks(verification)).to.deep.equal(['verdictCertificates', 'consensus']);
    });

    it('refuses an Org2-issued certificate presented as requester Org1MSP', async () => {
      const org2Ca = scenario.authorities.get('Org2MSP') as TestAuthority;
      const claimant = await org2Ca.issue('Org1MSP');
      const forged = await receiptOf({ requester: claimant });

      const verification = verifyReceipt(forged, { trust: scenario.trust });

      expect(failedChecks(verification)).to.deep.equal(['certificateChain']);
      expect(detailOf(verification, 'certificateChain')).to.equal(
        'CN=user1@Org1MSP, O=Org1MSP is not issued by a CA of Org1MSP in the trust file',
      );
      expect(verification.consensus.proven).to.be.false;
      // A CA list that is not tied to the requester's organisation would have let it pass.
      expect(
        failedChecks(verifyReceipt(forged, { trustedCertificates: [org2Ca.certificate] })),
      ).to.deep.equal([]);
    });

    it('refuses a self-signed key claiming Org1MSP in a made-up consortium against the real trust file', async () => {
      const self = await newIdentity('Org1MSP');
      const accomplice = await newIdentity('MadeUpMSP');
      const forged = await receiptOf({
        requester: self,
        participants: ['Org1MSP', 'MadeUpMSP'],
        signers: new Map([['MadeUpMSP', accomplice]]),
        results: ['valid'],
      });
      expect(verifyReceipt(forged)).to.include({ valid: true, status: 'accepted' });

      const verification = verifyReceipt(forged, { trust: scenario.trust });

      expect(failedChecks(verification)).to.deep.equal(['certificateChain', 'consensus']);
      expect(detailOf(verification, 'verdictCertificates')).to.equal(
        "0 verdict certificate(s) issued by their own organisation's CA; MadeUpMSP not in the trust file, not counted",
      );
      expect(detailOf(verification, 'consensus')).to.equal(
        'accepted is unproven: 0 valid and 0 invalid verdict(s) signed by trusted voters; threshold 2 of 4 voter(s) in the trusted set of 5 at ratio 0.5',
      );

      // A consortium of the requester alone accepts nothing, whoever signs.
      const alone = await receiptOf({ requester: self, participants: ['Org1MSP'], results: [] });
      expect(alone.outcome.status).to.equal('pending');
      const claimed = edited(alone, (copy) => {
        Object.assign(copy.outcome, {
          status: 'accepted',
          recorded: true,
          decidedAt: '2025-06-01T10:00:05Z',
          txId: txIdOf('outcome'),
          blockNumber: '20',
        });
      });
      expect(failedChecks(verifyReceipt(claimed, { trust: scenario.trust }))).to.include.members([
        'certificateChain',
        'outcome',
        'consensus',
      ]);
    });

    it('computes the threshold over the trusted set, not the snapshot', async () => {
      const org6 = await newAuthority('Org6MSP');
      const larger = {
        organisations: { ...scenario.trust.organisations, Org6MSP: [org6.certificate] },
        participants: [...participants, 'Org6MSP'],
      };
      // Five voters: ceil(5 × 0.5) = 3 valid verdicts are needed, and the receipt has two.
      const verification = verifyReceipt(receipt, { trust: larger });
      expect(failedChecks(verification)).to.deep.equal(['consensus']);
      expect(detailOf(verification, 'consensus')).to.match(/threshold 3 of 5 voter\(s\)/);
    });

    it('holds the ratio to at least 0.5, whatever the block says', async () => {
      // A snapshot ratio below the floor would make one valid verdict of four enough.
      const lowered = await receiptOf({
        quorumRatio: '0.25',
        results: ['valid', undefined, undefined, undefined],
      });
      expect(verifyReceipt(lowered)).to.include({ valid: true, status: 'accepted' });

      const verification = verifyReceipt(lowered, { trust: scenario.trust });
      expect(failedChecks(verification)).to.deep.equal(['consensus']);
      expect(detailOf(verification, 'consensus')).to.equal(
        'accepted is unproven: 1 valid and 0 invalid verdict(s) signed by trusted voters; threshold 2 of 4 voter(s) in the trusted set of 5 at ratio 0.5',
      );
    });

    it("takes a minimum participant count instead of the set: the block's snapshot must hold that many listed organisations", () => {
      const { organisations } = scenario.trust;
      const atLeast = (minParticipants: number) => ({ organisations, minParticipants });
      expect(verifyReceipt(receipt, { trust: atLeast(5) }).consensus.proven).to.be.true;
      expect(detailOf(verifyReceipt(receipt, { trust: atLeast(6) }), 'consensus')).to.equal(
        "the block's snapshot has 5 participant(s); the trust file asks for at least 6",
      );
      const withoutOrg5 = Object.fromEntries(
        Object.entries(organisations).filter(([mspId]) => mspId !== 'Org5MSP'),
      );
      expect(
        detailOf(
          verifyReceipt(receipt, { trust: { organisations: withoutOrg5, minParticipants: 2 } }),
          'consensus',
        ),
      ).to.equal("the block's snapshot names Org5MSP, which the trust file does not list");
    });

    it('proves a rejection on enough signed invalid verdicts, and nothing of a pending block', async () => {
      const rejected = verifyReceipt(
        await receiptOf({ results: ['invalid', 'invalid', 'invalid', undefined] }),
        { trust: scenario.trust },
      );
      expect(rejected.consensus).to.deep.equal({
        proven: true,
        detail:
          'rejected: 0 valid and 3 invalid verdict(s) signed by trusted voters; threshold 2 of 4 voter(s) in the trusted set of 5 at ratio 0.5',
      });

      const pending = verifyReceipt(
        await receiptOf({ results: ['valid', undefined, 'invalid', undefined] }),
        { trust: scenario.trust },
      );
      expect(pending).to.include({ valid: true, status: 'pending' });
      expect(pending.consensus).to.deep.equal({
        proven: false,
        detail:
          'no decision to prove: the outcome is pending; 1 valid and 1 invalid verdict(s) signed by trusted voters; threshold 2 of 4 voter(s) in the trusted set of 5 at ratio 0.5',
      });
    });

    it('counts no verdict that was recorded unsigned', async () => {
      const unsigned = await receiptOf({ unsigned: true });
      const verification = verifyReceipt(unsigned, { trust: scenario.trust });
      expect(detailOf(verification, 'verdictSignatures')).to.equal(
        "0 verdict(s), each signed by its participant's certificate over this block and its verdict; 2 verdict(s) recorded unsigned prove nothing",
      );
      expect(failedChecks(verification)).to.deep.equal(['consensus']);
    });

    it("refuses a signature by one participant's key carried as another's", () => {
      const swapped = edited(receipt, (copy) => {
        copy.verdicts[1].signature = copy.verdicts[0].signature;
      });
      const verification = verifyReceipt(swapped, { trust: scenario.trust });
      expect(failedChecks(verification)).to.include('verdictSignatures');
      expect(detailOf(verification, 'verdictSignatures')).to.equal(
        'verdicts[1]: the signature of Org3MSP does not verify over this block and its verdict',
      );
    });
  });

  describe('a corroborate-receipt-v1 receipt', () => {
    /** A receipt as the previous version wrote it: no verdict signatures, format v1. */
    async function v1Receipt(options: ScenarioOptions = {}): Promise<Receipt> {
      const built = await buildReceipt(
        newFakeLedger(await newScenario({ ...options, unsigned: true })),
        'req-accounts-1',
      );
      return edited(built, (copy) => {
        copy.format = 'corroborate-receipt-v1';
      }) as unknown as Receipt;
    }

    it('verifies as far as it can, and says the consensus is unproven', async () => {
      const verification = verifyReceipt(await v1Receipt());
      expect(verification).to.include({
        valid: true,
        status: 'accepted',
        format: 'corroborate-receipt-v1',
      });
      expect(verification.consensus).to.deep.equal({
        proven: false,
        detail: 'unproven: a corroborate-receipt-v1 receipt carries no verdict signatures',
      });
      expect(verification.checks.map((check) => check.name)).to.not.include('verdictSignatures');
    });

    it('checks its requester against the trust file, and still proves no consensus', async () => {
      const verification = verifyReceipt(await v1Receipt(), { trust: scenario.trust });
      expect(failedChecks(verification)).to.deep.equal([]);
      expect(verification.checks.map((check) => check.name)).to.include('certificateChain');
      expect(verification.consensus.proven).to.be.false;
    });

    it('takes the hash of what was read that its invalid verdicts carried', async () => {
      const older = edited(
        await v1Receipt({ results: ['invalid', 'valid', 'valid', undefined] }),
        (copy) => {
          copy.verdicts[0].observedHash = sha256Hex('what Org2 read');
        },
      );
      expect(failedChecks(verifyReceipt(older))).to.deep.equal([]);
    });

    it('has no verdict signatures: a v1 receipt that carries them is not one', () => {
      const mixed = edited(receipt, (copy) => {
        copy.format = 'corroborate-receipt-v1';
      });
      expect(failedChecks(verifyReceipt(mixed))).to.deep.equal(['verdicts']);
    });
  });

  describe('verifyReceiptText', () => {
    it('accepts the serialised receipt', () => {
      expect(verifyReceiptText(serializeReceipt(receipt)).valid).to.be.true;
    });

    it('refuses a re-formatted receipt, whose bytes are not the ones written', () => {
      const verification = verifyReceiptText(JSON.stringify(receipt, null, 2));
      expect(failedChecks(verification)).to.deep.equal(['encoding']);
    });

    it('refuses text that is not JSON', () => {
      expect(failedChecks(verifyReceiptText('{"format":'))).to.deep.equal(['json']);
    });

    it('fails when any byte of the file changes', function () {
      this.timeout(120_000);
      const bytes = Buffer.from(serializeReceipt(receipt), 'utf8');
      const survivors: number[] = [];
      for (let position = 0; position < bytes.length; position += 1) {
        for (const change of [0x01, 0x20]) {
          const copy = Buffer.from(bytes);
          copy[position] = (copy[position]! ^ change) & 0xff;
          if (verifyReceiptText(copy.toString('utf8')).valid) {
            survivors.push(position);
          }
        }
      }
      expect(bytes.length).to.be.greaterThan(4000);
      expect(survivors).to.deep.equal([]);
    });
  });
});

describe('the scenario participants', () => {
  it('are a requester and four voters, so the default threshold is two', () => {
    expect(participants).to.have.length(5);
    expect(voters).to.deep.equal(participants.slice(1));
  });
});
