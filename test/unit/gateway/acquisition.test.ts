import {
  batchRoot,
  canonicalRecord,
  certificateFingerprint,
  hashRecord,
  parseFirstBlockContent,
  saltsFromSeed,
  SCHEME_V2,
  sha256Hex,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import { acquireFirstBlock, type AcquisitionRequest } from '../../../gateway/src/acquisition';
import { SourceError, type SqlRead } from '../../../gateway/src/sources/source';
import { newAuthority, type TestIdentity } from '../../support/identities';
import { rows } from '../receipt/fixture';
import { accountReader, newFakeConnector, newFakeRegistry, type FakeConnector } from './fakes';

chai.use(chaiAsPromised);
const { expect } = chai;

function readOf(id: number): SqlRead {
  return { kind: 'sql', table: 'accounts', key: { id }, columns: ['id', 'name', 'balance'] };
}

const request: AcquisitionRequest = {
  id: 'req-accounts-2',
  sourceId: 'bank',
  reads: [readOf(1), readOf(2), readOf(3)],
  mode: 'relay',
  hashOnly: false,
  deadline: new Date('2030-01-01T00:00:00Z'),
  saltSeed: sha256Hex('acquisition seed'),
};
const salts = saltsFromSeed(request.saltSeed);

describe('acquisition', () => {
  const sandbox = sinon.createSandbox();
  let identity: TestIdentity;
  let connector: FakeConnector;

  before(async () => {
    identity = await (await newAuthority('Org1MSP')).issue('Org1MSP');
  });

  beforeEach(() => {
    connector = newFakeConnector(sandbox, 'bank', accountReader(), 'postgres');
  });

  afterEach(() => {
    sandbox.restore();
  });

  function acquire(overrides: Partial<AcquisitionRequest> = {}, signal?: AbortSignal) {
    return acquireFirstBlock(
      newFakeRegistry(connector),
      { mspId: identity.mspId, certificatePem: identity.certificate },
      { ...request, ...overrides },
      signal,
    );
  }

  it('hashes each record as the connector returns it, in the order asked, salted by its index', async () => {
    const content = await acquire();

    const expected = rows.map((row, index) =>
      hashRecord(canonicalRecord(row, { balance: 'number' }), salts(index)),
    );
    expect(content.records.map((record) => record.recordHash)).to.deep.equal(
      expected.map((hashes) => hashes.recordHash),
    );
    expect(content.records.map((record) => record.fieldHashes)).to.deep.equal(
      expected.map((hashes) => hashes.fieldHashes),
    );
    expect(content.records.map((record) => record.read)).to.deep.equal(request.reads);
    expect(content.batchRoot).to.equal(batchRoot(expected.map((hashes) => hashes.recordHash)));
  });

  it('carries the data, the interface, the requester and the deadline', async () => {
    const content = await acquire();

    expect(content).to.deep.include({
      id: 'req-accounts-2',
      scheme: SCHEME_V2,
      mode: 'relay',
      hashOnly: false,
      deadline: '2030-01-01T00:00:00.000Z',
      requester: {
        mspId: 'Org1MSP',
        certFingerprint: certificateFingerprint(identity.certificate),
      },
      interface: { sourceId: 'bank', connector: 'postgres' },
    });
    expect(content.records[1]?.data).to.deep.equal(
      canonicalRecord(rows[1] ?? {}, { balance: 'number' }),
    );
    expect(() => parseFirstBlockContent(JSON.parse(JSON.stringify(content)), salts)).not.to.throw();
  });

  it('salts every field from the seed: another seed gives other hashes of the same records', async () => {
    const content = await acquire();
    const other = await acquire({ saltSeed: sha256Hex('another seed') });

    expect(other.batchRoot).to.not.equal(content.batchRoot);
    for (const [index, record] of content.records.entries()) {
      for (const [name, hash] of Object.entries(record.fieldHashes)) {
        expect(other.records[index]?.fieldHashes[name], name).to.not.equal(hash);
      }
    }
    expect(() => parseFirstBlockContent(JSON.parse(JSON.stringify(content)))).to.throw(
      /^INVALID_ARGUMENT: saltSeed: /,
    );
    expect(() =>
      parseFirstBlockContent(JSON.parse(JSON.stringify(content)), saltsFromSeed(other.batchRoot)),
    ).to.throw(/^INVALID_ARGUMENT: records\[0\]\.recordHash: does not match data/);
  });

  it('leaves the data out of a hash-only block but keeps the same hashes', async () => {
    const full = await acquire();
    const hashOnly = await acquire({ hashOnly: true });

    expect(hashOnly.records.every((record) => !('data' in record))).to.be.true;
    expect(hashOnly.batchRoot).to.equal(full.batchRoot);
    expect(hashOnly.records.map((record) => record.fieldHashes)).to.deep.equal(
      full.records.map((record) => record.fieldHashes),
    );
    expect(() => parseFirstBlockContent(JSON.parse(JSON.stringify(hashOnly)))).not.to.throw();
  });

  it('passes the abort signal to every read', async () => {
    const controller = new AbortController();

    await acquire({}, controller.signal);

    expect(connector.read.args.map(([, options]) => options?.signal)).to.deep.equal([
      controller.signal,
      controller.signal,
      controller.signal,
    ]);
  });

  it('refuses a source this member does not serve', async () => {
    await expect(acquire({ sourceId: 'ledger' }))
      .to.be.rejectedWith(SourceError)
      .and.eventually.have.property('code', 'UNKNOWN_SOURCE');
  });

  it('fails on the first record the source cannot give, reading no further', async () => {
    await expect(acquire({ reads: [readOf(1), readOf(99), readOf(2)] }))
      .to.be.rejectedWith(SourceError)
      .and.eventually.have.property('code', 'RECORD_NOT_FOUND');
    sinon.assert.calledTwice(connector.read);
  });
});
