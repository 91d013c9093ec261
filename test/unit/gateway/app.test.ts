import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { newApp } from '../../../gateway/src/app';
import { hashApiKey } from '../../../gateway/src/auth';
import type { ErrorBody } from '../../../gateway/src/api';
import type { GatewayConfig, Role } from '../../../gateway/src/config';
import type { EventStream, LedgerEvent } from '../../../gateway/src/fabric/ledger';
import { buildReceipt, serializeReceipt, verifyReceiptText } from '../../../gateway/src/receipt';
import type { RequestService, Submitted } from '../../../gateway/src/requests';
import { SourceError, type SqlRead } from '../../../gateway/src/sources/source';
import { newFakeLedger, newScenario, type Scenario } from '../receipt/fixture';
import {
  chaincodeError,
  newForwardingLedger,
  newStubbedLedger,
  unreachablePeer,
  type StubbedLedger,
} from './fakes';

// The gateway's own JSON Schema 2020-12 validator (the root's ajv is an older major for eslint),
// used here apart from validation.ts to judge bodies by the served document alone.
interface SchemaCompiler {
  addSchema(schema: object, key: string): unknown;
  compile(schema: object): (data: unknown) => boolean;
}
const { default: Ajv2020 } = createRequire(require.resolve('@corroborate/gateway/package.json'))(
  'ajv/dist/2020',
) as { default: new (options: object) => SchemaCompiler };

const keys = {
  requester: 'requester-key-0001',
  reader: 'reader-key-0001',
  admin: 'admin-key-0001',
  everything: 'all-roles-key-0001',
  limited: 'limited-key-0001',
} as const;

type KeyName = keyof typeof keys;

const keyRoles: Record<KeyName, Role[]> = {
  requester: ['requester'],
  reader: ['reader'],
  admin: ['admin'],
  everything: ['requester', 'reader', 'admin'],
  limited: ['reader'],
};

function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    apiKeys: (Object.keys(keys) as KeyName[]).map((name) => ({
      id: name,
      sha256: hashApiKey(keys[name]),
      roles: keyRoles[name],
    })),
    rateLimit: { windowMs: 60_000, max: 10_000 },
    bodyLimitBytes: 2048,
    defaultDeadlineSeconds: 3600,
    maxBatchRecords: 3,
    ...overrides,
  };
}

interface ErrorEnvelope {
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
  readonly transactionId?: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON, read as a client reads it: an error envelope or the fields of a result. */
  readonly body: { readonly error: ErrorEnvelope } & Record<string, unknown>;
}

interface CallOptions {
  readonly method?: string;
  readonly key?: KeyName | null;
  readonly as?: 'bearer' | 'x-api-key';
  readonly json?: unknown;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function newCaller(base: () => string) {
  return async (path: string, options: CallOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? 'everything' : options.key;
    if (key !== null) {
      if (options.as === 'x-api-key') headers['x-api-key'] = keys[key];
      else headers.authorization = `Bearer ${keys[key]}`;
    }
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${base()}${path}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: parsed as Answer['body'],
    };
  };
}

const sqlRead: SqlRead = {
  kind: 'sql',
  table: 'accounts',
  key: { id: 1 },
  columns: ['id', 'name'],
};

const submitted: Submitted = {
  id: 'req-1',
  status: 'pending',
  records: 1,
  batchRoot: 'ab'.repeat(32),
  transactionId: 'cd'.repeat(32),
  blockNumber: '12',
  replayed: false,
};

function streamOf(events: LedgerEvent[]): EventStream {
  return {
    close: () => undefined,
    async *[Symbol.asyncIterator]() {
      for (const event of events) yield await Promise.resolve(event);
    },
  };
}

/** A stand-in for the built dashboard: a page and one hashed asset. */
function builtDashboard(): string {
  const directory = mkdtempSync(join(tmpdir(), 'corroborate-dashboard-'));
  writeFileSync(join(directory, 'index.html'), '<!doctype html><title>Corroborate</title>');
  writeFileSync(join(directory, 'index-abc123.js'), 'export {};');
  return directory;
}

describe('gateway API', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;
  let server: Server;
  let base = '';
  let ledger: StubbedLedger;
  let submit: sinon.SinonStub<
    Parameters<RequestService['submit']>,
    ReturnType<RequestService['submit']>
  >;
  const call = newCaller(() => base);

  before(async () => {
    scenario = await newScenario();
    const { app } = newApp({
      config: gatewayConfig(),
      ledger: newForwardingLedger(() => ledger),
      requests: { submit: (...args) => submit(...args) },
      logger: pino({ level: 'silent' }),
      channel: 'corroborate',
      chaincode: 'corroborate',
      dashboardDirectory: builtDashboard(),
    });
    server = app.listen(0, '127.0.0.1');
    base = await listen(server);
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox);
    submit = sandbox.stub<
      Parameters<RequestService['submit']>,
      ReturnType<RequestService['submit']>
    >();
    submit.resolves(submitted);
  });

  afterEach(() => {
    sandbox.restore();
  });

  describe('authentication and roles', () => {
    it('refuses a request without an API key with 401 UNAUTHENTICATED', async () => {
      const answer = await call('/v1/participants', { key: null });

      expect(answer.status).to.equal(401);
      expect(answer.body.error.code).to.equal('UNAUTHENTICATED');
      sinon.assert.notCalled(ledger.getParticipants);
    });

    it('refuses an unknown key given as a Bearer token or as X-API-Key', async () => {
      const headers: Array<Record<string, string>> = [
        { authorization: 'Bearer not-a-key' },
        { 'x-api-key': 'not-a-key' },
      ];
      for (const header of headers) {
        const answer = await call('/v1/participants', { key: null, headers: header });

        expect(answer.status).to.equal(401);
        expect(answer.body.error).to.include({
          code: 'UNAUTHENTICATED',
          message: 'the API key is not known',
        });
      }
    });

    it('refuses an Authorization header that is not a Bearer token', async () => {
      const answer = await call('/v1/participants', {
        key: null,
        headers: { authorization: `Basic ${keys.reader}` },
      });

      expect(answer.status).to.equal(401);
    });

    it('accepts a known key given as X-API-Key', async () => {
      ledger.getParticipants.resolves({
        participants: ['Org1MSP'],
        quorumRatio: '0.5',
        threshold: 1,
        version: 1,
      });

      const answer = await call('/v1/participants', { key: 'reader', as: 'x-api-key' });

      expect(answer.status).to.equal(200);
      expect(answer.body.participants).to.deep.equal(['Org1MSP']);
    });

    it('refuses a reader that submits a request with 403 FORBIDDEN', async () => {
      const answer = await call('/v1/requests', {
        key: 'reader',
        json: { sourceId: 'bank', read: sqlRead },
      });

      expect(answer.status).to.equal(403);
      expect(answer.body.error.code).to.equal('FORBIDDEN');
      sinon.assert.notCalled(submit);
    });

    it('refuses a requester on the admin routes with 403 FORBIDDEN', async () => {
      const answer = await call('/v1/admin/participants', {
        key: 'requester',
        json: { participants: ['Org1MSP'] },
      });

      expect(answer.status).to.equal(403);
      expect(answer.body.error.code).to.equal('FORBIDDEN');
      sinon.assert.notCalled(ledger.initParticipants);
    });

    it("lets an admin propose the initialisation and answers with the initialisation's proposal", async () => {
      const proposal = {
        proposalId: `init-${'ab'.repeat(32)}`,
        change: { add: ['Org1MSP', 'Org2MSP'], remove: [], quorumRatio: '0.5' },
        proposer: 'Org1MSP',
        approvals: ['Org1MSP'],
        baseVersion: 0,
        status: 'open' as const,
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-08T00:00:00.000Z',
        txId: 'cd'.repeat(32),
      };
      ledger.initParticipants.resolves(proposal);

      const answer = await call('/v1/admin/participants', {
        key: 'admin',
        json: { participants: ['Org1MSP', 'Org2MSP'] },
      });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal(proposal);
      sinon.assert.calledOnceWithExactly(ledger.initParticipants, ['Org1MSP', 'Org2MSP'], '0.5');
    });
  });

  describe('submitting a request', () => {
    it('answers 202 with a Location for the new request', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: sqlRead },
      });

      expect(answer.status).to.equal(202);
      expect(answer.headers.get('location')).to.equal('/v1/requests/req-1');
      expect(answer.body).to.deep.equal(submitted);
      sinon.assert.calledOnceWithExactly(submit, { sourceId: 'bank', read: sqlRead }, undefined);
    });

    it('passes a well-formed Idempotency-Key on to the request service', async () => {
      await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: sqlRead },
        headers: { 'idempotency-key': 'order-2025-06-01/17' },
      });

      sinon.assert.calledOnceWithExactly(
        submit,
        { sourceId: 'bank', read: sqlRead },
        'order-2025-06-01/17',
      );
    });

    it('refuses an Idempotency-Key with a space or over 128 characters', async () => {
      for (const idempotencyKey of ['two words', 'k'.repeat(129)]) {
        const answer = await call('/v1/requests', {
          key: 'requester',
          json: { sourceId: 'bank', read: sqlRead },
          headers: { 'idempotency-key': idempotencyKey },
        });

        expect(answer.status, idempotencyKey).to.equal(400);
        expect(answer.body.error.code).to.equal('INVALID_REQUEST');
        expect(answer.body.error.message).to.include('Idempotency-Key');
      }
      sinon.assert.notCalled(submit);
    });

    it('refuses unknown fields with 400 INVALID_REQUEST naming the field', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: sqlRead, priority: 'high' },
      });

      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal('INVALID_REQUEST');
      expect(answer.body.error.message).to.include("unknown field 'priority'");
      sinon.assert.notCalled(submit);
    });

    it('refuses values of the wrong type', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: sqlRead, deadlineSeconds: '60', hashOnly: 'yes' },
      });

      expect(answer.status).to.equal(400);
      expect(answer.body.error.message).to.include('/deadlineSeconds must be integer');
      expect(answer.body.error.message).to.include('/hashOnly must be boolean');
      sinon.assert.notCalled(submit);
    });

    it('refuses identifiers that could smuggle SQL before any source is read', async () => {
      const reads = [
        { ...sqlRead, table: 'x; DROP TABLE y' },
        { ...sqlRead, columns: ['a"b'] },
        { ...sqlRead, key: { 'id OR 1=1': 1 } },
      ];
      for (const read of reads) {
        const answer = await call('/v1/requests', {
          key: 'requester',
          json: { sourceId: 'bank', read },
        });

        expect(answer.status, JSON.stringify(read)).to.equal(400);
        expect(answer.body.error.code).to.equal('INVALID_REQUEST');
      }
      sinon.assert.notCalled(submit);
    });

    it('refuses a request that gives both read and reads, or neither', async () => {
      for (const json of [
        { sourceId: 'bank', read: sqlRead, reads: [sqlRead] },
        { sourceId: 'bank' },
      ]) {
        const answer = await call('/v1/requests', { key: 'requester', json });

        expect(answer.status).to.equal(400);
      }
      sinon.assert.notCalled(submit);
    });

    it('refuses more reads than the configured batch size', async () => {
      const reads = [1, 2, 3, 4].map((id) => ({ ...sqlRead, key: { id } }));

      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', reads },
      });

      expect(answer.status).to.equal(400);
      expect(answer.body.error.message).to.include('at most 3 records');
    });

    it('refuses a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: { ...sqlRead, columns: ['c'.repeat(4096)] } },
      });

      expect(answer.status).to.equal(413);
      expect(answer.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('refuses a body that is not JSON with 400 INVALID_JSON', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        body: '{"sourceId": ',
        headers: { 'content-type': 'application/json' },
      });

      expect(answer.status).to.equal(400);
      expect(answer.body.error.code).to.equal('INVALID_JSON');
    });

    it('refuses a body sent without a JSON content type with 415', async () => {
      const answer = await call('/v1/requests', {
        key: 'requester',
        body: JSON.stringify({ sourceId: 'bank', read: sqlRead }),
        headers: { 'content-type': 'text/plain' },
      });

      expect(answer.status).to.equal(415);
      expect(answer.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
      sinon.assert.notCalled(submit);
    });

    it('answers a source failure with its own status', async () => {
      submit.rejects(new SourceError('RECORD_NOT_FOUND', 'no account 1'));

      const answer = await call('/v1/requests', {
        key: 'requester',
        json: { sourceId: 'bank', read: sqlRead },
      });

      expect(answer.status).to.equal(404);
      expect(answer.body.error.code).to.equal('RECORD_NOT_FOUND');
    });
  });

  describe('reading requests', () => {
    it('answers a request with its block, verdicts, outcome and progress', async () => {
      ledger.getFirstBlock.resolves(scenario.view);
      ledger.getRechecks.resolves({ blockId: scenario.view.block.content.id, rounds: [] });

      const answer = await call('/v1/requests/req-accounts-1', { key: 'reader' });

      expect(answer.status).to.equal(200);
      sinon.assert.calledOnceWithExactly(ledger.getFirstBlock, 'req-accounts-1');
      expect(answer.body).to.deep.include({
        id: 'req-accounts-1',
        status: 'accepted',
        progress: {
          participants: 4,
          threshold: 2,
          valid: 2,
          invalid: 0,
          unverifiable: 0,
          awaiting: 2,
          canBeAccepted: true,
        },
      });
      expect(answer.body.block).to.deep.equal(scenario.view.block);
      expect(answer.body.verdicts).to.have.lengthOf(2);
    });

    it('shows abstentions apart in the progress, and a pending request they keep from acceptance', async () => {
      const stalled = await newScenario({
        results: ['unverifiable', 'invalid', 'unverifiable', undefined],
      });
      ledger.getFirstBlock.resolves(stalled.view);
      ledger.getRechecks.resolves({ blockId: stalled.view.block.content.id, rounds: [] });

      const answer = await call('/v1/requests/req-accounts-1', { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.include({
        status: 'pending',
        progress: {
          participants: 4,
          threshold: 2,
          valid: 0,
          invalid: 1,
          unverifiable: 2,
          awaiting: 1,
          canBeAccepted: false,
        },
      });
      expect(answer.body.outcome).to.include({ status: 'pending', unverifiable: 2 });
      const verdicts = answer.body.verdicts as Array<{ result: string; reason: string }>;
      expect(verdicts.map((verdict) => [verdict.result, verdict.reason])).to.deep.equal([
        ['unverifiable', 'SOURCE_UNAVAILABLE'],
        ['invalid', 'RECORD_NOT_FOUND'],
        ['unverifiable', 'SOURCE_UNAVAILABLE'],
      ]);
    });

    it('answers a block the ledger does not have with 404 and the error envelope', async () => {
      ledger.getFirstBlock.rejects(chaincodeError('FIRST_BLOCK_NOT_FOUND: blockId: req-9', 'tx-9'));

      const answer = await call('/v1/requests/req-9', {
        key: 'reader',
        headers: { 'x-request-id': 'trace-0001' },
      });

      expect(answer.status).to.equal(404);
      expect(answer.body).to.deep.equal({
        error: {
          code: 'FIRST_BLOCK_NOT_FOUND',
          message: 'FIRST_BLOCK_NOT_FOUND: blockId: req-9',
          requestId: 'trace-0001',
          transactionId: 'tx-9',
        },
      });
    });

    it('refuses a malformed request id without asking the ledger', async () => {
      const answer = await call(`/v1/requests/${encodeURIComponent('-x;y')}`, { key: 'reader' });

      expect(answer.status).to.equal(400);
      sinon.assert.notCalled(ledger.getFirstBlock);
    });

    it('lists pending requests by default, a page of 20', async () => {
      ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });

      const answer = await call('/v1/requests', { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ items: [], bookmark: '' });
      sinon.assert.calledOnceWithExactly(ledger.listFirstBlocks, 'pending', 20, '');
    });

    it("passes a bookmark of up to 1024 characters, the contract's limit, to the ledger", async () => {
      ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });
      const longest = 'b'.repeat(1024);

      const accepted = await call(`/v1/requests?bookmark=${longest}`, { key: 'reader' });
      const refused = await call(`/v1/requests?bookmark=${longest}b`, { key: 'reader' });

      expect(accepted.status).to.equal(200);
      expect(refused.status).to.equal(400);
      expect(refused.body.error.message).to.match(/^bookmark/);
      sinon.assert.calledOnceWithExactly(ledger.listFirstBlocks, 'pending', 20, longest);
    });

    it('refuses an unknown status or a page size out of range', async () => {
      for (const query of ['status=done', 'pageSize=0', 'pageSize=101', 'pageSize=2.5']) {
        const answer = await call(`/v1/requests?${query}`, { key: 'reader' });

        expect(answer.status, query).to.equal(400);
      }
      sinon.assert.notCalled(ledger.listFirstBlocks);
    });

    it('serves a receipt in its canonical encoding, which verifies offline', async () => {
      const fixture = newFakeLedger(scenario);
      ledger.getFirstBlock.callsFake((id) => fixture.getFirstBlock(id));
      ledger.getRechecks.callsFake((id) => Promise.resolve({ blockId: id, rounds: [] }));
      ledger.blockNumberOf.callsFake((tx) => fixture.blockNumberOf(tx));
      const expected = serializeReceipt(
        await buildReceipt(fixture, 'req-accounts-1', {
          proofs: [{ record: 1, field: 'name' }, { record: 2 }],
          channel: 'corroborate',
          chaincode: 'corroborate',
        }),
      );

      const answer = await call('/v1/requests/req-accounts-1/receipt?proof=1:name&proof=2', {
        key: 'reader',
      });

      expect(answer.status).to.equal(200);
      expect(answer.headers.get('content-type')).to.match(/^application\/json/);
      expect(answer.text).to.equal(expected);
      expect(verifyReceiptText(answer.text).valid).to.be.true;
    });

    it('reads every repetition of proof, past the 20 that the query parser keeps as a list', async () => {
      const fixture = newFakeLedger(scenario);
      ledger.getFirstBlock.callsFake((id) => fixture.getFirstBlock(id));
      ledger.getRechecks.callsFake((id) => Promise.resolve({ blockId: id, rounds: [] }));
      ledger.blockNumberOf.callsFake((tx) => fixture.blockNumberOf(tx));
      const proofs = Array.from({ length: 21 }, () => 'proof=0').join('&');

      const answer = await call(`/v1/requests/req-accounts-1/receipt?${proofs}`, { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(verifyReceiptText(answer.text).valid).to.be.true;
    });

    it('refuses proofs with digits other than ASCII, as the document says', async () => {
      const answer = await call(
        `/v1/requests/req-accounts-1/receipt?proof=${encodeURIComponent('٣')}`,
        {
          key: 'reader',
        },
      );

      expect(answer.status).to.equal(400);
      sinon.assert.notCalled(ledger.getFirstBlock);
    });

    it('answers a receipt for a block the ledger does not have with 404', async () => {
      ledger.getFirstBlock.rejects(chaincodeError('FIRST_BLOCK_NOT_FOUND: blockId: req-9'));

      const answer = await call('/v1/requests/req-9/receipt', { key: 'reader' });

      expect(answer.status).to.equal(404);
      expect(answer.body.error.code).to.equal('FIRST_BLOCK_NOT_FOUND');
    });

    it('streams ledger events from the current height as server-sent events', async () => {
      const transactionId = 'ef'.repeat(32);
      ledger.height.resolves(30n);
      ledger.events.resolves(
        streamOf([
          {
            name: 'OutcomeDecided',
            payload: {
              blockId: 'req-1',
              status: 'accepted',
              valid: 2,
              invalid: 0,
              txId: transactionId,
            },
            blockNumber: 31n,
            transactionId,
          },
        ]),
      );

      const answer = await call('/v1/events', { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(answer.headers.get('content-type')).to.equal('text/event-stream');
      sinon.assert.calledOnceWithExactly(ledger.events, { startBlock: 30n });
      expect(answer.text).to.equal(
        `id: 31:${transactionId}\nevent: OutcomeDecided\ndata: ` +
          `{"blockId":"req-1","status":"accepted","valid":2,"invalid":0,"txId":"${transactionId}",` +
          `"blockNumber":"31","transactionId":"${transactionId}"}\n\n`,
      );
    });

    it('resumes an event stream after the Last-Event-ID', async () => {
      const transactionId = 'ef'.repeat(32);
      ledger.events.resolves(streamOf([]));

      await call('/v1/events', {
        key: 'reader',
        headers: { 'last-event-id': `31:${transactionId}` },
      });

      const [options] = ledger.events.firstCall.args;
      expect(options.checkpoint?.getBlockNumber()).to.equal(31n);
      expect(options.checkpoint?.getTransactionId()).to.equal(transactionId);
    });
  });

  describe('service endpoints', () => {
    it('is ready when the peer answers', async () => {
      ledger.height.resolves(10n);

      const answer = await call('/readyz', { key: null });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ status: 'ready', mspId: 'Org1MSP' });
    });

    it('answers /readyz with 503 LEDGER_UNAVAILABLE when the peer cannot be reached', async () => {
      ledger.height.rejects(unreachablePeer());

      const answer = await call('/readyz', { key: null });

      expect(answer.status).to.equal(503);
      expect(answer.body.error.code).to.equal('LEDGER_UNAVAILABLE');
    });

    it('answers /healthz without a key', async () => {
      const answer = await call('/healthz', { key: null });

      expect(answer.status).to.equal(200);
    });

    it('serves Prometheus metrics that count requests by route', async () => {
      await call('/healthz', { key: null });

      const answer = await call('/metrics', { key: null });

      expect(answer.status).to.equal(200);
      expect(answer.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      expect(answer.text).to.match(
        /^corroborate_gateway_http_requests_total\{route="\/healthz",method="GET",status="200"\} \d+$/m,
      );
    });

    it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
      const echoed = await call('/healthz', {
        key: null,
        headers: { 'x-request-id': 'abc.123_x' },
      });
      const replaced = await call('/healthz', { key: null, headers: { 'x-request-id': 'a b' } });

      expect(echoed.headers.get('x-request-id')).to.equal('abc.123_x');
      expect(replaced.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });

    it('answers an unknown route with 404 NOT_FOUND', async () => {
      const answer = await call('/v2/requests');

      expect(answer.status).to.equal(404);
      expect(answer.body.error.code).to.equal('NOT_FOUND');
    });

    it('answers a method a documented path lacks with 405 and the methods it has in Allow', async () => {
      const cases: Array<[method: string, path: string, allow: string]> = [
        ['DELETE', '/v1/requests', 'POST, GET, HEAD'],
        ['PUT', '/v1/requests/req-1', 'GET, HEAD'],
        ['GET', '/v1/admin/participant-changes/p-1/approve', 'POST'],
        ['POST', '/healthz', 'GET, HEAD'],
        ['PATCH', '/openapi.json', 'GET, HEAD'],
      ];

      for (const [method, path, allow] of cases) {
        const answer = await call(path, { method });

        expect(answer.status, `${method} ${path}`).to.equal(405);
        expect(answer.headers.get('allow'), `${method} ${path}`).to.equal(allow);
        expect(answer.body.error.code).to.equal('METHOD_NOT_ALLOWED');
      }
    });

    it('asks for a key before it says which methods a path under /v1 has', async () => {
      const answer = await call('/v1/requests', { method: 'DELETE', key: null });

      expect(answer.status).to.equal(401);
    });

    it('answers 406 to a client that accepts none of what a service route serves', async () => {
      const cases: Array<[path: string, accept: string]> = [
        ['/healthz', 'text/html'],
        ['/readyz', 'text/html'],
        ['/openapi.json', 'application/yaml'],
        ['/metrics', 'application/json'],
      ];
      for (const [path, accept] of cases) {
        const answer = await call(path, { key: null, headers: { accept } });

        expect(answer.status, path).to.equal(406);
        expect(answer.body.error.code, path).to.equal('NOT_ACCEPTABLE');
      }
    });
  });

  describe('dashboard', () => {
    it('serves its page without a key, from this origin only', async () => {
      const answer = await call('/dashboard', { key: null });

      expect(answer.status).to.equal(200);
      expect((await call('/dashboard/', { key: null })).text).to.equal(answer.text);
      expect(answer.headers.get('content-type')).to.match(/^text\/html/);
      expect(answer.text).to.include('<title>Corroborate</title>');
      expect(answer.headers.get('content-security-policy')).to.include("default-src 'self'");
      expect(answer.headers.get('cache-control')).to.equal('no-cache');
    });

    it('serves its hashed assets for a year', async () => {
      const asset = await call('/dashboard/index-abc123.js', { key: null });

      expect(asset.status).to.equal(200);
      expect(asset.headers.get('cache-control')).to.include('immutable');
    });

    it('answers a file it does not have with the coded 404', async () => {
      const answer = await call('/dashboard/missing.js', { key: null });

      expect(answer.status).to.equal(404);
      expect(answer.body.error.code).to.equal('NOT_FOUND');
    });
  });

  describe('governance and overview', () => {
    it('lists every participant change for a reader', async () => {
      const proposal = {
        proposalId: 'p-1',
        change: { add: ['Org4MSP'], remove: [] },
        proposer: 'Org1MSP',
        approvals: ['Org1MSP'],
        baseVersion: 1,
        status: 'open' as const,
        createdAt: '2030-01-01T00:00:00Z',
        txId: 'a'.repeat(64),
      };
      ledger.listParticipantChanges.resolves([proposal]);

      const answer = await call('/v1/participant-changes', { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({ items: [proposal] });
    });

    it('refuses the overview without the reader role, before reading the ledger', async () => {
      const answer = await call('/v1/overview', { key: 'requester' });

      expect(answer.status).to.equal(403);
      sinon.assert.notCalled(ledger.listFirstBlocks);
    });

    it('answers the overview for a reader', async () => {
      ledger.height.resolves(12n);
      ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });

      const answer = await call('/v1/overview', { key: 'reader' });

      expect(answer.status).to.equal(200);
      expect(answer.body).to.include({ mspId: 'Org1MSP', complete: true });
      expect(answer.body.peer).to.deep.equal({ reachable: true, height: '12' });
    });
  });

  describe('OpenAPI document', () => {
    it('is an OpenAPI 3.1 document', async () => {
      const answer = await call('/openapi.json', { key: null });

      expect(answer.status).to.equal(200);
      expect(answer.body.openapi).to.match(/^3\.1\./);
      expect(answer.body.paths).to.be.an('object').that.is.not.empty;
    });

    it('documents only operations that the gateway serves', async () => {
      const fixture = newFakeLedger(scenario);
      ledger.getFirstBlock.callsFake((id) => fixture.getFirstBlock(id));
      ledger.getRechecks.callsFake((id) => Promise.resolve({ blockId: id, rounds: [] }));
      ledger.blockNumberOf.callsFake((tx) => fixture.blockNumberOf(tx));
      ledger.height.resolves(1n);
      ledger.events.resolves(streamOf([]));
      ledger.getParticipants.resolves({
        participants: [],
        quorumRatio: '0.5',
        threshold: 0,
        version: 0,
      });
      ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });
      ledger.listParticipantChanges.resolves([]);
      ledger.approveParticipantChange.resolves(
        {} as Awaited<ReturnType<StubbedLedger['approveParticipantChange']>>,
      );
      const document = (await call('/openapi.json', { key: null })).body as unknown as {
        paths: Record<string, Record<string, unknown>>;
      };

      const probed: string[] = [];
      for (const [template, operations] of Object.entries(document.paths)) {
        const path = template
          .replace('{id}', 'req-accounts-1')
          .replace('{proposalId}', 'p-1')
          .replace('{file}', 'index.html');
        for (const method of Object.keys(operations)) {
          const answer = await call(path, {
            method: method.toUpperCase(),
            ...(method === 'post' && !path.endsWith('/approve') ? { json: {} } : {}),
          });
          expect(answer.body?.error?.code, `${method} ${template}`).not.to.equal('NOT_FOUND');
          probed.push(`${method} ${template}`);
        }
      }
      expect(probed).to.include.members(['post /v1/requests', 'get /v1/requests/{id}/receipt']);
    });

    it('declares every status its routes answer from the contract', async () => {
      const document = (await call('/openapi.json', { key: null })).body as unknown as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      ledger.approveParticipantChange.rejects(
        chaincodeError('PROPOSAL_NOT_FOUND: proposalId: p-1'),
      );
      ledger.initParticipants.rejects(chaincodeError('ALREADY_INITIALISED: the set exists'));
      ledger.listFirstBlocks.rejects(unreachablePeer());

      const answers: Array<[status: number, path: string, method: string]> = [
        [
          (await call('/v1/admin/participant-changes/p-1/approve', { method: 'POST' })).status,
          '/v1/admin/participant-changes/{proposalId}/approve',
          'post',
        ],
        [
          (await call('/v1/admin/participants', { json: { participants: ['Org1MSP'] } })).status,
          '/v1/admin/participants',
          'post',
        ],
        [(await call('/v1/requests')).status, '/v1/requests', 'get'],
      ];

      expect(answers.map(([status]) => status)).to.deep.equal([404, 409, 503]);
      for (const [status, path, method] of answers) {
        expect(document.paths[path]?.[method]?.responses, `${method} ${path}`).to.have.property(
          String(status),
        );
      }
    });

    it("describes no pattern with \\d, which other scripts' digits match in a generator", async () => {
      const text = (await call('/openapi.json', { key: null })).text;

      expect(text).not.to.include('\\\\d');
    });

    it('refuses, before the ledger, a participant change that changes nothing or a ratio of 0', async () => {
      const bodies = [
        { proposalId: 'p-1' },
        { proposalId: 'p-1', add: [], remove: [] },
        { proposalId: 'p-1', quorumRatio: '0' },
        { proposalId: 'p-1', quorumRatio: '0.000' },
        { proposalId: 'p-1', quorumRatio: '1.5' },
        { proposalId: 'p-1', add: ['A'.repeat(65)] },
      ];

      for (const json of bodies) {
        const answer = await call('/v1/admin/participant-changes', { key: 'admin', json });

        expect(answer.status, JSON.stringify(json)).to.equal(400);
      }
      sinon.assert.notCalled(ledger.proposeParticipantChange);
    });

    it('passes a participant change of the quorum ratio alone to the ledger', async () => {
      ledger.proposeParticipantChange.resolves(
        {} as Awaited<ReturnType<StubbedLedger['proposeParticipantChange']>>,
      );

      const answer = await call('/v1/admin/participant-changes', {
        key: 'admin',
        json: { proposalId: 'p-1', quorumRatio: '0.75' },
      });

      expect(answer.status).to.equal(201);
      sinon.assert.calledOnceWithExactly(ledger.proposeParticipantChange, 'p-1', {
        add: [],
        remove: [],
        quorumRatio: '0.75',
      });
    });

    it('accepts exactly the submissions that its SubmitRequest schema accepts', async () => {
      const document = (await call('/openapi.json', { key: null })).body as object;
      const ajv = new Ajv2020({ strict: false });
      ajv.addSchema(document, 'document');
      const schemaAccepts = ajv.compile({ $ref: 'document#/components/schemas/SubmitRequest' });
      const bodies: unknown[] = [
        { sourceId: 'bank', read: sqlRead },
        { sourceId: 'bank', reads: [sqlRead], mode: 'relay', hashOnly: true, deadlineSeconds: 60 },
        {
          id: 'req:custom-1',
          sourceId: 'api',
          read: { kind: 'http', path: '/v1/a', pointer: '/x' },
        },
        { sourceId: 'Bank', read: sqlRead },
        { sourceId: 'bank', read: { ...sqlRead, kind: 'nosql' } },
        { sourceId: 'bank', read: sqlRead, mode: 'serial' },
        { sourceId: 'bank', read: sqlRead, deadlineSeconds: 5 },
        { sourceId: 'bank', reads: [] },
        { sourceId: 'bank', read: { kind: 'http', path: 'v1/a', pointer: '/x' } },
      ];

      for (const json of bodies) {
        const answer = await call('/v1/requests', { key: 'requester', json });

        expect(answer.status, JSON.stringify(json)).to.equal(schemaAccepts(json) ? 202 : 400);
      }
      expect(bodies.filter((json) => schemaAccepts(json))).to.have.lengthOf(3);
    });
  });
});

describe('gateway dashboard, not built', () => {
  it('answers /dashboard with the coded 404', async () => {
    const { app } = newApp({
      config: gatewayConfig(),
      ledger: newStubbedLedger(sinon.createSandbox()),
      requests: { submit: () => Promise.reject(new Error('not called')) },
      logger: pino({ level: 'silent' }),
      dashboardDirectory: join(tmpdir(), 'corroborate-no-dashboard-here'),
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      const base = await listen(server);
      const answer = await fetch(`${base}/dashboard`);

      expect(answer.status).to.equal(404);
      expect(((await answer.json()) as ErrorBody).error.code).to.equal('NOT_FOUND');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('gateway API rate limit', () => {
  let server: Server;
  let base = '';
  const call = newCaller(() => base);

  before(async () => {
    const ledger = newStubbedLedger(sinon.createSandbox());
    ledger.getParticipants.resolves({
      participants: [],
      quorumRatio: '0.5',
      threshold: 0,
      version: 0,
    });
    const { app } = newApp({
      config: gatewayConfig({ rateLimit: { windowMs: 60_000, max: 2 } }),
      ledger,
      requests: { submit: () => Promise.reject(new Error('not used')) },
      logger: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    base = await listen(server);
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers 429 RATE_LIMITED once a key has used its allowance, and only for that key', async () => {
    const statuses: number[] = [];
    for (let request = 0; request < 3; request++) {
      statuses.push((await call('/v1/participants', { key: 'limited' })).status);
    }
    const limited = await call('/v1/participants', { key: 'limited' });
    const other = await call('/v1/participants', { key: 'reader' });

    expect(statuses).to.deep.equal([200, 200, 429]);
    expect(limited.body.error.code).to.equal('RATE_LIMITED');
    expect(other.status).to.equal(200);
  });
});

describe("gateway API: governance with the member's admin identity", () => {
  const sandbox = sinon.createSandbox();
  let server: Server;
  let base = '';
  let ledger: StubbedLedger;
  let adminLedger: StubbedLedger;
  const call = newCaller(() => base);

  before(async () => {
    const { app } = newApp({
      config: gatewayConfig(),
      ledger: newForwardingLedger(() => ledger),
      adminLedger: newForwardingLedger(() => adminLedger),
      requests: { submit: () => Promise.reject(new Error('not used')) },
      logger: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    base = await listen(server);
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox);
    adminLedger = newStubbedLedger(sandbox);
  });

  afterEach(() => {
    sandbox.restore();
  });

  it('submits the initialisation, proposals and approvals as the admin, and reads as the client', async () => {
    const proposal = {} as Awaited<ReturnType<StubbedLedger['proposeParticipantChange']>>;
    adminLedger.initParticipants.resolves(proposal);
    adminLedger.proposeParticipantChange.resolves(proposal);
    adminLedger.approveParticipantChange.resolves(proposal);
    ledger.getParticipants.resolves({
      participants: ['Org1MSP'],
      quorumRatio: '0.5',
      threshold: 1,
      version: 1,
    });

    const answers = [
      await call('/v1/admin/participants', { key: 'admin', json: { participants: ['Org1MSP'] } }),
      await call('/v1/admin/participant-changes', {
        key: 'admin',
        json: { proposalId: 'p-1', add: ['Org2MSP'] },
      }),
      await call('/v1/admin/participant-changes/p-1/approve', { key: 'admin', method: 'POST' }),
      await call('/v1/participants', { key: 'reader' }),
    ];

    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 201, 200, 200]);
    sinon.assert.calledOnce(adminLedger.initParticipants);
    sinon.assert.calledOnce(adminLedger.proposeParticipantChange);
    sinon.assert.calledOnce(adminLedger.approveParticipantChange);
    sinon.assert.notCalled(ledger.initParticipants);
    sinon.assert.notCalled(ledger.proposeParticipantChange);
    sinon.assert.notCalled(ledger.approveParticipantChange);
    sinon.assert.calledOnce(ledger.getParticipants);
    sinon.assert.notCalled(adminLedger.getParticipants);
  });

  it('answers 403 NOT_AN_ADMIN when the contract refuses the identity it submitted with', async () => {
    adminLedger.approveParticipantChange.rejects(
      chaincodeError('NOT_AN_ADMIN: Org1MSP: the submitting identity has no admin role'),
    );

    const answer = await call('/v1/admin/participant-changes/p-1/approve', {
      key: 'admin',
      method: 'POST',
    });

    expect(answer.status).to.equal(403);
    expect(answer.body.error.code).to.equal('NOT_AN_ADMIN');
  });
});
