import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { newApp } from '../../../gateway/src/app';
import { hashApiKey } from '../../../gateway/src/auth';
import { GatewayError, newGatewayClient, type GatewayClient } from '../../../gateway/src/client';
import type { RequestService } from '../../../gateway/src/requests';
import { newFakeLedger, newScenario, type Scenario } from '../receipt/fixture';
import { chaincodeError, newForwardingLedger, newStubbedLedger, type StubbedLedger } from './fakes';

use(chaiAsPromised);

const apiKey = 'client-test-key-0001';

describe('gateway client against the gateway app', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;
  let server: Server;
  let ledger: StubbedLedger;
  let submit: sinon.SinonStub<
    Parameters<RequestService['submit']>,
    ReturnType<RequestService['submit']>
  >;
  let client: GatewayClient;

  before(async () => {
    scenario = await newScenario();
    const { app } = newApp({
      config: {
        host: '127.0.0.1',
        port: 0,
        apiKeys: [
          { id: 'all', sha256: hashApiKey(apiKey), roles: ['requester', 'reader', 'admin'] },
        ],
        rateLimit: { windowMs: 60_000, max: 10_000 },
        bodyLimitBytes: 4096,
        defaultDeadlineSeconds: 3600,
        maxBatchRecords: 3,
      },
      ledger: newForwardingLedger(() => ledger),
      requests: { submit: (...args) => submit(...args) },
      logger: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    client = newGatewayClient({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      apiKey,
    });
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox);
    submit = sandbox.stub();
  });

  afterEach(() => {
    sandbox.restore();
  });

  it('submits a read with its idempotency key and answers what the gateway accepted', async () => {
    const accepted = {
      id: 'req-1',
      status: 'pending' as const,
      records: 1,
      batchRoot: 'ab'.repeat(32),
      transactionId: 'cd'.repeat(32),
      blockNumber: '12',
      replayed: false,
    };
    submit.resolves(accepted);

    const submitted = await client.submit(
      { sourceId: 'bank', read: { kind: 'http', path: '/a', pointer: '' } },
      'retry-1',
    );

    expect(submitted).to.deep.equal(accepted);
    sinon.assert.calledOnceWithExactly(
      submit,
      { sourceId: 'bank', read: { kind: 'http', path: '/a', pointer: '' } },
      'retry-1',
    );
  });

  it('reads a request view with its block, verdicts, outcome and progress', async () => {
    const fixture = newFakeLedger(scenario);
    ledger.getFirstBlock.callsFake((id) => fixture.getFirstBlock(id));
    ledger.getRechecks.callsFake((id) => Promise.resolve({ blockId: id, rounds: [] }));

    const view = await client.getRequest('req-accounts-1');

    expect(view.block.content.id).to.equal('req-accounts-1');
    expect(view.verdicts).to.deep.equal(scenario.view.verdicts);
    expect(view.progress.awaiting).to.equal(
      view.outcome.participants -
        view.outcome.valid -
        view.outcome.invalid -
        view.outcome.unverifiable,
    );
    expect(view.progress).to.include({ unverifiable: 0, canBeAccepted: true });
  });

  it('lists a page of requests by status', async () => {
    ledger.listFirstBlocks.resolves({ items: [], bookmark: 'next' });

    const page = await client.listRequests({ status: 'accepted', pageSize: 5, bookmark: 'b1' });

    expect(page).to.deep.equal({ items: [], bookmark: 'next' });
    sinon.assert.calledOnceWithExactly(ledger.listFirstBlocks, 'accepted', 5, 'b1');
  });

  it('initialises the participant set as an admin', async () => {
    const set = { participants: ['Org1MSP'], quorumRatio: '0.5', threshold: 1, version: 1 };
    ledger.initParticipants.resolves(set);

    expect(await client.initParticipants({ participants: ['Org1MSP'] })).to.deep.equal(set);
    sinon.assert.calledOnceWithExactly(ledger.initParticipants, ['Org1MSP'], '0.5');
  });

  it("throws the gateway's error code, message and status for a refusal", async () => {
    ledger.getFirstBlock.rejects(chaincodeError('FIRST_BLOCK_NOT_FOUND: blockId: req-9'));

    const error = await client.getRequest('req-9').catch((reason: unknown) => reason);

    expect(error)
      .to.be.instanceOf(GatewayError)
      .and.include({ code: 'FIRST_BLOCK_NOT_FOUND', status: 404 });
    expect(error).to.have.property('requestId').that.is.a('string');
  });

  it('answers a refusal as it came through send, without throwing', async () => {
    const answer = await client.send('POST', '/v1/requests', { body: '{"sourceId":' });

    expect(answer.status).to.equal(400);
    expect(answer.body).to.have.nested.property('error.code', 'INVALID_JSON');
    sinon.assert.notCalled(submit);
  });

  it('reports a gateway it cannot reach as GATEWAY_UNREACHABLE', async () => {
    const unreachable = newGatewayClient({
      url: 'http://gateway.invalid:1',
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ENOTFOUND') })),
    });

    await expect(unreachable.getParticipants()).to.be.rejectedWith(
      GatewayError,
      'cannot reach the gateway at http://gateway.invalid:1: ENOTFOUND',
    );
  });
});
