import {
  batchRoot,
  canonicalRecord,
  hashRecord,
  saltsFromSeed,
  saltsOfBlock,
  sha256Hex,
  SCHEME_V2,
  type StoredFirstBlock,
} from '@corroborate/protocol';
import { expect } from 'chai';
import * as sinon from 'sinon';
import { verifyFirstBlock } from '../../../gateway/src/worker/first-verification';
import { newParticipant, type RetryPolicy } from '../../../gateway/src/worker/participant';
import { verifyAgainstSource } from '../../../gateway/src/worker/second-verification';
import {
  accountReader,
  newFakeConnector,
  newFakeRegistry,
  newStubbedLedger,
  type ReadFunction,
} from '../gateway/fakes';
import { newIdentity } from '../../support/identities';
import { newScenario, rows, type Scenario } from '../receipt/fixture';

const seed = sha256Hex('worker seed');
const otherSeed = sha256Hex('not the block seed');

describe('verification of corroborate-v2 blocks', () => {
  const sandbox = sinon.createSandbox();
  let withData: Scenario;
  let hashOnly: Scenario;

  before(async () => {
    withData = await newScenario({ saltSeed: seed });
    hashOnly = await newScenario({
      saltSeed: seed,
      hashOnly: true,
      results: [undefined, undefined, undefined, undefined],
    });
  });

  afterEach(() => {
    sandbox.restore();
  });

  describe('first verification', () => {
    it('passes a block with data whose hashes its seed gives', () => {
      expect(withData.view.block.content.scheme).to.equal(SCHEME_V2);
      expect(verifyFirstBlock(withData.view.block)).to.deep.equal({ ok: true });
    });

    it('fails a block with data under another seed, or none', () => {
      const wrong: StoredFirstBlock = { ...withData.view.block, saltSeed: otherSeed };
      expect(verifyFirstBlock(wrong)).to.deep.equal({
        ok: false,
        detail: 'INVALID_ARGUMENT: records[0].recordHash: does not match data',
      });
      const withoutSeed: { saltSeed?: string } & Omit<StoredFirstBlock, 'saltSeed'> =
        structuredClone(withData.view.block);
      delete withoutSeed.saltSeed;
      expect(verifyFirstBlock(withoutSeed))
        .to.have.property('detail')
        .that.matches(/^INVALID_ARGUMENT: saltSeed: /);
    });
  });

  describe('second verification', () => {
    function verifyWith(read: ReadFunction, block: StoredFirstBlock = hashOnly.view.block) {
      const sources = newFakeRegistry(newFakeConnector(sandbox, 'bank', read));
      return verifyAgainstSource(sources, block.content, undefined, saltsOfBlock(block));
    }

    it('passes a hash-only block when its own copy of every record hashes with the block seed', async () => {
      expect(await verifyWith(accountReader())).to.deep.include({
        ok: true,
        reason: 'OK',
        observedHash: hashOnly.view.block.content.batchRoot,
      });
    });

    it('finds every field different under another seed: the salts are not the signed ones', async () => {
      const verification = await verifyWith(accountReader(), {
        ...hashOnly.view.block,
        saltSeed: otherSeed,
      });
      expect(verification).to.deep.include({
        ok: false,
        reason: 'HASH_MISMATCH',
        failedRecords: [0, 1, 2],
      });
      expect(verification.differingFields.map((each) => each.fields)).to.deep.equal(
        rows.map((row) => Object.keys(row).sort()),
      );
    });

    it('names only the field that changed, salted as the block was', async () => {
      const edit = (row: (typeof rows)[number]) =>
        row.id === 2 ? { ...row, name: 'Alan M. Turing' } : row;

      const verification = await verifyWith(accountReader(edit));

      const salts = saltsFromSeed(seed);
      const observed = rows.map(
        (row, index) =>
          hashRecord(canonicalRecord(edit(row), { balance: 'number' }), salts(index)).recordHash,
      );
      expect(verification).to.deep.include({
        ok: false,
        reason: 'HASH_MISMATCH',
        observedHash: batchRoot(observed),
        failedRecords: [1],
        differingFields: [{ record: 1, fields: ['name'] }],
      });
    });
  });

  describe('participant', () => {
    const retry: RetryPolicy = {
      maxAttempts: 2,
      initialBackoffMs: 100,
      maxBackoffMs: 300,
      abstainMarginMs: 15_000,
    };

    it('verifies a hash-only block with the seed the ledger holds, and records it valid', async () => {
      const ledger = newStubbedLedger(sandbox, 'Org2MSP');
      ledger.getFirstBlock.callsFake(() => Promise.resolve(structuredClone(hashOnly.view)));
      ledger.recordVerdict.callsFake((blockId, input) =>
        Promise.resolve({
          result: {
            blockId,
            participant: 'Org2MSP',
            ...input,
            failedRecords: [],
            recordedAt: '2029-12-31T23:00:01Z',
            txId: 'tx-verdict',
          },
          transactionId: 'tx-verdict',
          blockNumber: 9n,
        }),
      );
      const signer = await newIdentity('Org2MSP');
      const participant = newParticipant({
        ledger,
        signingKey: signer.privateKey,
        sources: newFakeRegistry(newFakeConnector(sandbox, 'bank', accountReader())),
        retry,
        sleep: () => Promise.resolve(),
        now: () => new Date('2029-12-31T23:00:00Z'),
        onRetry: () => undefined,
      });

      await participant.verify(hashOnly.view.block.content.id);

      expect(ledger.recordVerdict.firstCall.args[1]).to.deep.include({
        result: 'valid',
        observedHash: hashOnly.view.block.content.batchRoot,
        reason: 'OK',
        attempts: 1,
      });
    });
  });
});
