import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import {
  canonicalJson,
  canonicalRecord,
  fieldSalt,
  sha256Hex,
  SCHEME_V1,
  SCHEME_V2,
  type CanonicalRecord,
  type FirstBlockContent,
  type FirstBlockRecord,
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
import { newFakeLedger, newScenario, rows, type Scenario } from './fixture';

use(chaiAsPromised);

// Tampering edits receipts as the untyped JSON an attacker would.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const seed = sha256Hex('salted receipt seed');

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

/** The member's own copy of the accounts table, as its connector reads a record. */
function readFromSource(
  _content: FirstBlockContent,
  record: FirstBlockRecord,
): Promise<CanonicalRecord> {
  const id = record.read.kind === 'sql' ? record.read.key.id : undefined;
  const row = rows.find((each) => each.id === id);
  if (row === undefined) throw new Error(`no row ${String(id)}`);
  return Promise.resolve(canonicalRecord(row, { balance: 'number' }));
}

/** Every salt of every field of the block: what a receipt must not give away. */
function everySalt(content: FirstBlockContent): Map<string, string> {
  const salts = new Map<string, string>();
  content.records.forEach((record, index) => {
    for (const name of Object.keys(record.fieldHashes)) {
      salts.set(`${index}:${name}`, fieldSalt(seed, index, name));
    }
  });
  return salts;
}

describe('receipts of corroborate-v2 blocks', () => {
  describe('hash-only, one field proven', () => {
    let scenario: Scenario;
    let receipt: Receipt;

    before(async () => {
      scenario = await newScenario({ hashOnly: true, saltSeed: seed });
      receipt = await buildReceipt(newFakeLedger(scenario), 'req-hash-only-1', {
        proofs: [{ record: 1, field: 'balance' }, { record: 2 }],
        readRecord: readFromSource,
      });
    });

    it('is made of a corroborate-v2 block whose seed is on the ledger', () => {
      expect(scenario.view.block.content.scheme).to.equal(SCHEME_V2);
      expect(scenario.view.block.saltSeed).to.equal(seed);
    });

    it('carries no seed, and of all the salts only the proven field’s', () => {
      const text = serializeReceipt(receipt);
      expect(receipt.block).to.not.have.property('saltSeed');
      expect(receipt.block).to.not.have.property('fieldSalts');
      expect(text).to.not.include(seed);
      const disclosed = [...everySalt(receipt.block.content)].filter(([, salt]) =>
        text.includes(salt),
      );
      expect(disclosed).to.deep.equal([['1:balance', fieldSalt(seed, 1, 'balance')]]);
      expect(receipt.proofs[0]?.fieldProof).to.deep.include({
        scheme: SCHEME_V2,
        name: 'balance',
        value: { t: 'number', v: '-3' },
        salt: fieldSalt(seed, 1, 'balance'),
      });
      expect(receipt.proofs[1]).to.not.have.property('fieldProof');
    });

    it('verifies, the proven value giving the signed salted field hash', () => {
      const verification = verifyReceiptText(serializeReceipt(receipt));
      expect(failedChecks(verification)).to.deep.equal([]);
      expect(verification.valid).to.be.true;
      expect(verification.checks.find((check) => check.name === 'proofs')?.detail).to.equal(
        '2 record proof(s), 1 field proof(s)',
      );
    });

    it('fails with a salt altered by one bit', () => {
      const salt = fieldSalt(seed, 1, 'balance');
      const flipped = `${salt.slice(0, -1)}${salt.endsWith('0') ? '1' : '0'}`;
      const tampered = edited(receipt, (copy) => {
        copy.proofs[0].fieldProof.salt = flipped;
      });
      expect(failedChecks(verifyReceipt(tampered))).to.deep.equal(['proofs']);
    });

    it('fails with another value, however salted', () => {
      for (const value of [{ t: 'number', v: '-3.01' }, { t: 'text', v: '-3' }, { t: 'null' }]) {
        const tampered = edited(receipt, (copy) => {
          copy.proofs[0].fieldProof.value = value;
        });
        expect(failedChecks(verifyReceipt(tampered)), JSON.stringify(value)).to.deep.equal([
          'proofs',
        ]);
      }
    });

    it("fails with another field's salt, or another record's", () => {
      for (const salt of [fieldSalt(seed, 1, 'name'), fieldSalt(seed, 0, 'balance')]) {
        const tampered = edited(receipt, (copy) => {
          copy.proofs[0].fieldProof.salt = salt;
        });
        expect(failedChecks(verifyReceipt(tampered))).to.deep.equal(['proofs']);
      }
    });

    it('fails without a salt, or as a corroborate-v1 proof', () => {
      const unsalted = edited(receipt, (copy) => {
        delete copy.proofs[0].fieldProof.salt;
      });
      const asV1 = edited(receipt, (copy) => {
        delete copy.proofs[0].fieldProof.salt;
        copy.proofs[0].fieldProof.scheme = SCHEME_V1;
      });
      expect(failedChecks(verifyReceipt(unsalted))).to.deep.equal(['proofs']);
      expect(failedChecks(verifyReceipt(asV1))).to.deep.equal(['proofs']);
    });

    it('fails when it carries the seed, or salts beside its proofs', () => {
      const withSeed = edited(receipt, (copy) => {
        copy.block.saltSeed = seed;
      });
      expect(failedChecks(verifyReceipt(withSeed))).to.deep.equal(['format']);
      const withSalts = edited(receipt, (copy) => {
        copy.block.fieldSalts = [{}, {}, {}];
      });
      expect(failedChecks(verifyReceipt(withSalts))).to.deep.equal(['records']);
    });

    it('is refused when the source no longer holds the signed record', async () => {
      const changed = (content: FirstBlockContent, record: FirstBlockRecord) =>
        readFromSource(content, record).then((data) => ({
          ...data,
          balance: { t: 'number' as const, v: '-4' },
        }));
      await expect(
        buildReceipt(newFakeLedger(scenario), 'req-hash-only-1', {
          proofs: [{ record: 1, field: 'name' }],
          readRecord: changed,
        }),
      )
        .to.be.rejectedWith(CorroborateError, /record 1 .* reads differently from the source now/)
        .and.eventually.have.property('code', 'RECORD_CHANGED');
    });

    it('is refused for a field the block does not name, before any read', async () => {
      let reads = 0;
      await expect(
        buildReceipt(newFakeLedger(scenario), 'req-hash-only-1', {
          proofs: [{ record: 1, field: 'email' }],
          readRecord: (content, record) => {
            reads += 1;
            return readFromSource(content, record);
          },
        }),
      )
        .to.be.rejectedWith(CorroborateError, /no field "email"/)
        .and.eventually.have.property('code', 'INVALID_REQUEST');
      expect(reads).to.equal(0);
    });

    it('is refused without a source to read a hash-only record from', async () => {
      await expect(
        buildReceipt(newFakeLedger(scenario), 'req-hash-only-1', {
          proofs: [{ record: 1, field: 'name' }],
        }),
      )
        .to.be.rejectedWith(CorroborateError, /hash-only/)
        .and.eventually.have.property('code', 'INVALID_REQUEST');
    });
  });

  describe('with data', () => {
    let receipt: Receipt;

    before(async () => {
      const scenario = await newScenario({ saltSeed: seed });
      receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
        proofs: [{ record: 0, field: 'name' }],
      });
    });

    it('carries every field’s salt, as it discloses every value, and no seed', () => {
      expect(receipt.block).to.not.have.property('saltSeed');
      expect(serializeReceipt(receipt)).to.not.include(seed);
      expect(receipt.block.fieldSalts).to.deep.equal(
        receipt.block.content.records.map((record, index) =>
          Object.fromEntries(
            Object.keys(record.fieldHashes).map((name) => [name, fieldSalt(seed, index, name)]),
          ),
        ),
      );
      expect(receipt.proofs[0]?.fieldProof?.salt).to.equal(fieldSalt(seed, 0, 'name'));
    });

    it('verifies, hashing the data with the salts', () => {
      expect(failedChecks(verifyReceiptText(serializeReceipt(receipt)))).to.deep.equal([]);
    });

    it('fails with a salt altered, or missing', () => {
      const altered = edited(receipt, (copy) => {
        copy.block.fieldSalts[2].balance = fieldSalt(seed, 2, 'name');
      });
      const missing = edited(receipt, (copy) => {
        delete copy.block.fieldSalts[1].opened;
      });
      const none = edited(receipt, (copy) => {
        delete copy.block.fieldSalts;
      });
      for (const [what, tampered] of Object.entries({ altered, missing, none })) {
        const verification = verifyReceipt(tampered);
        expect(verification.valid, what).to.be.false;
        expect(failedChecks(verification), what).to.include('content');
      }
      expect(verifyReceipt(missing).checks.find((check) => !check.ok)?.detail).to.match(
        /fieldSalts\[1\]\.opened: must be the salt of the field/,
      );
    });
  });
});
