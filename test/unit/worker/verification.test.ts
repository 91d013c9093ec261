import {
  batchRoot,
  canonicalRecord,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  sha256Hex,
} from '@corroborate/protocol';
import { expect } from 'chai';
import * as sinon from 'sinon';
import type { StoredFirstBlock } from '@corroborate/protocol';
import { SourceError } from '../../../gateway/src/sources/source';
import { verifyFirstBlock } from '../../../gateway/src/worker/first-verification';
import {
  fieldsThatDiffer,
  verifyAgainstSource,
} from '../../../gateway/src/worker/second-verification';
import { signPayload, type TestIdentity } from '../../support/identities';
import {
  accountReader,
  newFakeConnector,
  newFakeRegistry,
  type ReadFunction,
} from '../gateway/fakes';
import { newScenario, rows, type Scenario } from '../receipt/fixture';

/** A copy of the block with its content edited and the content hash brought in line again. */
function rehashed(
  block: StoredFirstBlock,
  edit: (copy: StoredFirstBlock) => void,
): StoredFirstBlock {
  const copy = structuredClone(block);
  edit(copy);
  return { ...copy, contentHash: sha256Hex(firstBlockSigningPayload(copy.content)) };
}

describe('first verification', () => {
  let scenario: Scenario;
  let stranger: TestIdentity;

  before(async () => {
    scenario = await newScenario();
    stranger = await scenario.authority.issue('Org1MSP');
  });

  it('passes a block signed by its requester', () => {
    expect(verifyFirstBlock(scenario.view.block)).to.deep.equal({ ok: true });
  });

  it('fails a signature made over other content', () => {
    const block = { ...scenario.view.block, signature: signPayload(scenario.requester, '{}') };

    expect(verifyFirstBlock(block)).to.deep.equal({
      ok: false,
      detail: "the requester's signature does not verify",
    });
  });

  it('fails content changed after signing, even with its hash recomputed', () => {
    const block = rehashed(scenario.view.block, (copy) => {
      copy.content.deadline = '2031-01-01T00:00:00Z';
    });

    expect(verifyFirstBlock(block)).to.deep.equal({
      ok: false,
      detail: "the requester's signature does not verify",
    });
  });

  it('fails a content hash that does not match the content', () => {
    const block = { ...scenario.view.block, contentHash: sha256Hex('something else') };

    expect(verifyFirstBlock(block)).to.deep.equal({
      ok: false,
      detail: 'the content hash does not match the content',
    });
  });

  it('fails a certificate other than the one the content names', () => {
    const block = { ...scenario.view.block, requesterCertificate: stranger.certificate };

    expect(verifyFirstBlock(block)).to.deep.equal({
      ok: false,
      detail: 'the requester certificate does not match the block',
    });
  });

  it("fails another member's certificate named in the content but not the signer's", () => {
    const block = rehashed(
      { ...scenario.view.block, requesterCertificate: stranger.certificate },
      (copy) => {
        copy.content.requester.certFingerprint = certificateFingerprint(stranger.certificate);
      },
    );

    expect(verifyFirstBlock(block)).to.deep.include({ ok: false });
  });

  it('fails content the agreed rule refuses, with its reason', () => {
    const block = rehashed(scenario.view.block, (copy) => {
      const [first] = copy.content.records;
      if (first) first.recordHash = '0'.repeat(64);
    });

    const verification = verifyFirstBlock(block);

    expect(verification.ok).to.be.false;
    expect(verification)
      .to.have.property('detail')
      .that.matches(/^INVALID_ARGUMENT: /);
  });
});

describe('second verification', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;

  before(async () => {
    scenario = await newScenario();
  });

  afterEach(() => {
    sandbox.restore();
  });

  function verifyWith(read: ReadFunction, sourceId = 'bank') {
    const sources = newFakeRegistry(newFakeConnector(sandbox, sourceId, read));
    return verifyAgainstSource(sources, scenario.view.block.content);
  }

  function failingAt(index: number, error: Error): ReadFunction {
    const reader = accountReader();
    return (read) =>
      read.kind === 'sql' && read.key.id === rows[index]?.id ? Promise.reject(error) : reader(read);
  }

  it('passes when every record hashes as in the block, observing its batch root', async () => {
    expect(await verifyWith(accountReader())).to.deep.equal({
      ok: true,
      reason: 'OK',
      observedHash: scenario.view.block.content.batchRoot,
      failedRecords: [],
      differingFields: [],
      retryable: false,
    });
  });

  it('reports a changed record as a retryable HASH_MISMATCH naming it and its field', async () => {
    const edit = (row: (typeof rows)[number]) => (row.id === 2 ? { ...row, balance: '-4' } : row);

    const verification = await verifyWith(accountReader(edit));

    const observed = rows.map(
      (row) => hashRecord(canonicalRecord(edit(row), { balance: 'number' })).recordHash,
    );
    expect(verification).to.deep.equal({
      ok: false,
      reason: 'HASH_MISMATCH',
      observedHash: batchRoot(observed),
      failedRecords: [1],
      differingFields: [{ record: 1, fields: ['balance'] }],
      retryable: true,
    });
  });

  it('reports source failures by their own reason, retryable only when they may pass', async () => {
    const cases = [
      {
        error: new SourceError('RECORD_NOT_FOUND', 'gone'),
        reason: 'RECORD_NOT_FOUND',
        retryable: true,
      },
      {
        error: new SourceError('SOURCE_UNAVAILABLE', 'down'),
        reason: 'SOURCE_UNAVAILABLE',
        retryable: true,
      },
      { error: new SourceError('READ_REFUSED', 'table'), reason: 'READ_REFUSED', retryable: false },
      { error: new Error('socket hang up'), reason: 'SOURCE_UNAVAILABLE', retryable: true },
    ];
    for (const { error, reason, retryable } of cases) {
      const verification = await verifyWith(failingAt(2, error));

      expect(verification, reason).to.deep.equal({
        ok: false,
        reason,
        observedHash: '',
        failedRecords: [2],
        differingFields: [],
        retryable,
        detail: error.message,
      });
    }
  });

  it('reports the read failure rather than a mismatch when a batch has both', async () => {
    const altered = accountReader((row) => (row.id === 1 ? { ...row, name: 'Ada King' } : row));
    const verification = await verifyWith((read) =>
      read.kind === 'sql' && read.key.id === 3
        ? Promise.reject(new SourceError('READ_REFUSED', 'column'))
        : altered(read),
    );

    expect(verification).to.include({ ok: false, reason: 'READ_REFUSED', observedHash: '' });
    expect(verification.failedRecords).to.deep.equal([0, 2]);
    expect(verification.differingFields).to.deep.equal([{ record: 0, fields: ['name'] }]);
  });

  it('names fields that only the block or only the source has', () => {
    expect(fieldsThatDiffer({ a: '1', b: '2', c: '3' }, { b: '2', c: '4', d: '5' })).to.deep.equal([
      'a',
      'c',
      'd',
    ]);
  });

  it('reports the mismatch, evidence, rather than a record it could not read', async () => {
    const altered = accountReader((row) => (row.id === 1 ? { ...row, name: 'Ada King' } : row));
    const verification = await verifyWith((read) =>
      read.kind === 'sql' && read.key.id === 3
        ? Promise.reject(new SourceError('SOURCE_UNAVAILABLE', 'connection refused'))
        : altered(read),
    );

    expect(verification).to.include({
      ok: false,
      reason: 'HASH_MISMATCH',
      observedHash: '',
      retryable: true,
    });
    expect(verification.failedRecords).to.deep.equal([0, 2]);
  });

  it('reports an unreadable source as such, retryable only when every failed read may pass', async () => {
    const down = new SourceError('SOURCE_UNAVAILABLE', 'connection refused');
    const cannotOpen = new SourceError('SOURCE_UNAVAILABLE', 'cannot open the database file', {
      retryable: false,
    });
    const reader = accountReader();
    const failing =
      (errors: Record<number, Error>): ReadFunction =>
      (read) => {
        const error = read.kind === 'sql' ? errors[Number(read.key.id)] : undefined;
        return error ? Promise.reject(error) : reader(read);
      };

    expect(await verifyWith(failing({ 1: down, 3: down }))).to.deep.include({
      ok: false,
      reason: 'SOURCE_UNAVAILABLE',
      retryable: true,
      failedRecords: [0, 2],
    });
    expect(await verifyWith(failing({ 1: down, 3: cannotOpen }))).to.deep.include({
      reason: 'SOURCE_UNAVAILABLE',
      retryable: false,
    });
  });

  it('reports UNKNOWN_SOURCE, not retryable, when this member does not serve the source', async () => {
    const verification = await verifyWith(accountReader(), 'warehouse');

    expect(verification).to.include({ ok: false, reason: 'UNKNOWN_SOURCE', retryable: false });
    expect(verification.failedRecords).to.deep.equal([]);
  });
});
