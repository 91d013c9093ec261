import {
  firstBlockSigningPayload,
  parseFirstBlockContent,
  saltsFromSeed,
  SCHEME_V2,
  sha256Hex,
  verifySignature,
  type FirstBlockContent,
} from '@corroborate/protocol';
import { EndorseError } from '@hyperledger/fabric-gateway';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import { classify } from '../../../gateway/src/classify';
import { CorroborateError } from '../../../gateway/src/errors';
import type { MemberIdentity } from '../../../gateway/src/fabric/connection';
import type { FirstBlockView, StoredFirstBlock } from '@corroborate/protocol';
import {
  newRequestService,
  type RequestService,
  type Submission,
} from '../../../gateway/src/requests';
import type { SqlRead } from '../../../gateway/src/sources/source';
import { newAuthority, type TestIdentity } from '../../support/identities';
import {
  accountReader,
  chaincodeError,
  newDeferred,
  newFakeConnector,
  newFakeRegistry,
  newStubbedLedger,
  type FakeConnector,
  type StubbedLedger,
} from './fakes';

chai.use(chaiAsPromised);
const { expect } = chai;

const now = new Date('2025-06-01T10:00:00.000Z');

function readOf(id: number): SqlRead {
  return { kind: 'sql', table: 'accounts', key: { id }, columns: ['id', 'name', 'balance'] };
}

const submission: Submission = { sourceId: 'bank', read: readOf(1) };

/** What the ledger would hold after `content` was submitted. */
function viewOf(content: FirstBlockContent, identity: TestIdentity): FirstBlockView {
  const block: StoredFirstBlock = {
    content,
    signature: 'c2lnbmF0dXJl',
    requesterCertificate: identity.certificate,
    contentHash: sha256Hex(firstBlockSigningPayload(content)),
    participants: ['Org1MSP', 'Org2MSP'],
    threshold: 1,
    quorumRatio: '0.5',
    createdAt: now.toISOString(),
    txId: 'tx-create',
  };
  return {
    block,
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
  };
}

describe('request service', () => {
  const sandbox = sinon.createSandbox();
  let identity: TestIdentity;
  let member: MemberIdentity;
  let ledger: StubbedLedger;
  let connector: FakeConnector;
  let service: RequestService;

  before(async () => {
    identity = await (await newAuthority('Org1MSP')).issue('Org1MSP');
    member = {
      mspId: identity.mspId,
      certificatePem: identity.certificate,
      privateKey: identity.privateKey,
    };
  });

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox);
    ledger.getFirstBlock.rejects(chaincodeError('FIRST_BLOCK_NOT_FOUND: blockId'));
    ledger.createFirstBlock.callsFake((content) =>
      Promise.resolve({
        result: viewOf(content, identity).block,
        transactionId: 'tx-create',
        blockNumber: 12n,
      }),
    );
    connector = newFakeConnector(sandbox, 'bank', accountReader());
    service = newRequestService({
      ledger,
      sources: newFakeRegistry(connector),
      identity: member,
      defaultDeadlineSeconds: 3600,
      now: () => now,
    });
  });

  afterEach(() => {
    sandbox.restore();
  });

  function submittedContent(call = 0): FirstBlockContent {
    return ledger.createFirstBlock.getCall(call).args[0];
  }

  it('submits a first block that the agreed rule accepts, signed by the member', async () => {
    const submitted = await service.submit(submission);

    const content = submittedContent();
    const [, signature, saltSeed] = ledger.createFirstBlock.firstCall.args;
    expect(() =>
      parseFirstBlockContent(JSON.parse(JSON.stringify(content)), saltsFromSeed(saltSeed)),
    ).not.to.throw();
    expect(verifySignature(firstBlockSigningPayload(content), signature, identity.certificate)).to
      .be.true;
    expect(submitted).to.deep.equal({
      id: content.id,
      status: 'pending',
      records: 1,
      batchRoot: content.batchRoot,
      transactionId: 'tx-create',
      blockNumber: '12',
      replayed: false,
    });
  });

  it('makes corroborate-v2 blocks, each salted from a fresh 32-byte seed it submits beside the signed content', async () => {
    await service.submit(submission);
    await service.submit(submission);

    const [first, second] = [0, 1].map((call) => ledger.createFirstBlock.getCall(call).args);
    expect(first?.[0].scheme).to.equal(SCHEME_V2);
    expect(first?.[2]).to.match(/^[0-9a-f]{64}$/);
    expect(second?.[2])
      .to.match(/^[0-9a-f]{64}$/)
      .and.not.equal(first?.[2]);
    // The same record, salted from two seeds, hashes differently: one block says nothing of another.
    expect(second?.[0].batchRoot).to.not.equal(first?.[0].batchRoot);
    expect(firstBlockSigningPayload(first![0])).to.not.include(first![2]);
  });

  it('sets the deadline from the injected clock, by default or as asked', async () => {
    await service.submit(submission);
    await service.submit({ ...submission, deadlineSeconds: 60 });

    expect(submittedContent(0).deadline).to.equal('2025-06-01T11:00:00.000Z');
    expect(submittedContent(1).deadline).to.equal('2025-06-01T10:01:00.000Z');
  });

  it('gives each submission without an Idempotency-Key a fresh id, without looking it up', async () => {
    const first = await service.submit(submission);
    const second = await service.submit(submission);

    expect(first.id).to.match(/^req-/).and.not.equal(second.id);
    sinon.assert.notCalled(ledger.getFirstBlock);
  });

  it('keeps an id given by the client', async () => {
    const submitted = await service.submit({ ...submission, id: 'invoice-2025-17' });

    expect(submitted.id).to.equal('invoice-2025-17');
    expect(submittedContent().id).to.equal('invoice-2025-17');
  });

  it('derives the same id from the same Idempotency-Key, also after a restart', async () => {
    const restarted = newRequestService({
      ledger,
      sources: newFakeRegistry(connector),
      identity: member,
      defaultDeadlineSeconds: 3600,
    });

    const first = await service.submit(submission, 'order-17');
    const second = await restarted.submit(submission, 'order-17');
    const other = await service.submit(submission, 'order-18');

    expect(first.id).to.equal(`req-${sha256Hex('Org1MSP\norder-17').slice(0, 32)}`);
    expect(second.id).to.equal(first.id);
    expect(other.id).not.to.equal(first.id);
  });

  it('replays an identical earlier submission instead of creating a second block', async () => {
    const first = await service.submit(submission, 'order-17');
    ledger.getFirstBlock.resolves(viewOf(submittedContent(), identity));

    const again = await service.submit(submission, 'order-17');

    sinon.assert.calledOnce(ledger.createFirstBlock);
    expect(again).to.deep.include({
      id: first.id,
      status: 'pending',
      batchRoot: first.batchRoot,
      records: 1,
      transactionId: 'tx-create',
      replayed: true,
    });
  });

  it('refuses an Idempotency-Key used before for a different request', async () => {
    await service.submit(submission, 'order-17');
    ledger.getFirstBlock.resolves(viewOf(submittedContent(), identity));

    await expect(service.submit({ sourceId: 'bank', read: readOf(2) }, 'order-17'))
      .to.be.rejectedWith(CorroborateError, /Idempotency-Key was used for a different request/)
      .and.eventually.have.property('code', 'IDEMPOTENCY_KEY_REUSED');
    await expect(service.submit({ ...submission, hashOnly: true }, 'order-17')).to.be.rejectedWith(
      CorroborateError,
    );
    sinon.assert.calledOnce(ledger.createFirstBlock);
  });

  it('shares one ledger submission between concurrent identical retries', async () => {
    const committed = newDeferred<void>();
    const create = ledger.createFirstBlock.callsFake(async (content) => {
      await committed.promise;
      return {
        result: viewOf(content, identity).block,
        transactionId: 'tx-create',
        blockNumber: 12n,
      };
    });

    const first = service.submit(submission, 'order-17');
    const second = service.submit(submission, 'order-17');
    committed.resolve();

    const [a, b] = await Promise.all([first, second]);
    sinon.assert.calledOnce(create);
    expect(b.id).to.equal(a.id);
    expect([a.replayed, b.replayed]).to.deep.equal([false, true]);
  });

  it('refuses a different request that reuses an Idempotency-Key while the first is in flight', async () => {
    const committed = newDeferred<void>();
    ledger.createFirstBlock.callsFake(async (content) => {
      await committed.promise;
      return {
        result: viewOf(content, identity).block,
        transactionId: 'tx-create',
        blockNumber: 12n,
      };
    });

    const first = service.submit(submission, 'order-17');
    const different = service.submit({ sourceId: 'bank', read: readOf(2) }, 'order-17');
    committed.resolve();

    await first;
    await expect(different).to.be.rejectedWith(CorroborateError, /different request/);
  });

  it('treats a block created meanwhile by another gateway with this key as a replay', async () => {
    ledger.createFirstBlock.callsFake((content) => {
      ledger.getFirstBlock.resolves(viewOf(content, identity));
      return Promise.reject(chaincodeError('DUPLICATE_FIRST_BLOCK: id: the same block exists'));
    });

    const submitted = await service.submit(submission, 'order-17');

    expect(submitted.replayed).to.be.true;
    sinon.assert.calledTwice(ledger.getFirstBlock);
  });

  it('passes on a refusal of the contract when no key makes it a replay', async () => {
    ledger.createFirstBlock.rejects(chaincodeError('FIRST_BLOCK_EXISTS: id: taken'));

    const refusal: unknown = await expect(
      service.submit({ ...submission, id: 'taken' }),
    ).to.be.rejectedWith(EndorseError);

    expect(classify(refusal).code).to.equal('FIRST_BLOCK_EXISTS');
  });

  it('passes on a ledger failure while looking up an earlier submission', async () => {
    ledger.getFirstBlock.rejects(new Error('peer down'));

    await expect(service.submit(submission, 'order-17')).to.be.rejectedWith('peer down');
    sinon.assert.notCalled(ledger.createFirstBlock);
  });
});
