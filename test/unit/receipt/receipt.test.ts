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
import { newAuthority } from '../../support/identities';
import { newFakeLedger, newScenario, participants, txIdOf, voters, type Scenario } from './fixture';

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
      expect(receipt.format).to.equal('corroborate-receipt-v1');
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
        expect(failedChecks(verification)).to.deep.equal(['verdicts', 'outcome']);
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
      copy.verdicts[0].attempts = 2;
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
        ['contentHash'],
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
        // The outcome's counts no longer match the voters' verdicts either.
        ['verdicts', 'outcome'],
      ],
      [
        'a second verdict from one participant',
        (copy) => {
          copy.verdicts[1].participant = copy.verdicts[0].participant;
        },
        ['verdicts', 'outcome'],
      ],
      [
        'a valid verdict on another batch root',
        (copy) => {
          copy.verdicts[0].observedHash = sha256Hex('x');
        },
        ['verdicts'],
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
        ['outcome'],
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
          copy.format = 'corroborate-receipt-v2';
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
