import { expect } from 'chai';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { newApp } from '../../../gateway/src/app';
import { hashApiKey } from '../../../gateway/src/auth';
import { openApiDocument } from '../../../gateway/src/openapi';
import { newFakeLedger, newScenario } from '../receipt/fixture';
import { chaincodeError, newStubbedLedger } from './fakes';

// The gateway's own JSON Schema 2020-12 validator (the root's ajv is an older major for eslint).
interface SchemaCompiler {
  addSchema(schema: object, key: string): unknown;
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown };
}
const { default: Ajv2020 } = createRequire(require.resolve('@corroborate/gateway/package.json'))(
  'ajv/dist/2020',
) as { default: new (options: object) => SchemaCompiler };

const apiKey = 'responses-test-key-0001';

describe('gateway answers as its OpenAPI document describes them', () => {
  const sandbox = sinon.createSandbox();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(openApiDocument, 'document');
  let server: Server;
  let base = '';

  before(async () => {
    const scenario = await newScenario();
    const fixture = newFakeLedger(scenario);
    const ledger = newStubbedLedger(sandbox);
    ledger.getFirstBlock.callsFake((id) =>
      id === 'req-accounts-1'
        ? fixture.getFirstBlock(id)
        : Promise.reject(chaincodeError(`FIRST_BLOCK_NOT_FOUND: blockId: ${id}`)),
    );
    ledger.getRechecks.callsFake((id) =>
      Promise.resolve({
        blockId: id,
        rounds: [
          {
            blockId: id,
            round: 1,
            requestedBy: 'Org2MSP',
            requestedAt: '2030-01-02T00:00:00.000Z',
            txId: 'tx-round-1',
            attestations: [
              {
                blockId: id,
                round: 1,
                participant: 'Org3MSP',
                result: 'drifted',
                reason: 'HASH_MISMATCH',
                differingFields: [{ record: 1, fields: ['balance'] }],
                signature: 'AAAA',
                signerCertificate: '-----BEGIN CERTIFICATE-----',
                recordedAt: '2030-01-02T00:00:01.000Z',
                txId: 'tx-attest-1',
              },
            ],
          },
        ],
      }),
    );
    ledger.requestRecheck.callsFake((id) =>
      id === 'req-accounts-1'
        ? Promise.resolve({
            result: {
              blockId: id,
              round: 2,
              requestedBy: 'Org1MSP',
              requestedAt: '2030-01-03T00:00:00.000Z',
              txId: 'tx-round-2',
            },
            transactionId: 'tx-round-2',
            blockNumber: 20n,
          })
        : Promise.reject(chaincodeError(`NOT_ACCEPTED: blockId: ${id} is pending`)),
    );
    ledger.listFirstBlocks.resolves({
      items: [
        {
          blockId: 'req-accounts-1',
          requester: 'Org1MSP',
          mode: 'parallel',
          sourceId: 'accounts',
          records: 3,
          participants: 4,
          threshold: 2,
          deadline: '2030-01-01T00:00:00Z',
          createdAt: '2029-12-31T00:00:00Z',
          status: 'accepted',
        },
      ],
      bookmark: '',
    });
    ledger.getParticipants.resolves({
      participants: ['Org1MSP', 'Org2MSP'],
      quorumRatio: '0.5',
      threshold: 1,
      version: 1,
    });
    const { app } = newApp({
      config: {
        host: '127.0.0.1',
        port: 0,
        apiKeys: [{ id: 'all', sha256: hashApiKey(apiKey), roles: ['reader', 'requester'] }],
        rateLimit: { windowMs: 60_000, max: 10_000 },
        bodyLimitBytes: 4096,
        defaultDeadlineSeconds: 3600,
        maxBatchRecords: 3,
      },
      ledger,
      requests: { submit: () => Promise.reject(new Error('not used')) },
      logger: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    sandbox.restore();
    await new Promise((resolve) => server.close(resolve));
  });

  const cases: Array<[path: string, status: number, schema: string]> = [
    ['/v1/requests/req-accounts-1', 200, 'RequestView'],
    ['/v1/requests?status=accepted', 200, 'Page'],
    ['/v1/participants', 200, 'ParticipantSet'],
    ['/v1/requests/req-9', 404, 'Error'],
  ];

  const posts: Array<[path: string, status: number, schema: string]> = [
    ['/v1/requests/req-accounts-1/recheck', 202, 'Recheck'],
    ['/v1/requests/req-pending/recheck', 409, 'Error'],
  ];

  for (const [path, status, schema] of posts) {
    it(`answers POST ${path} as its ${schema} schema describes`, async () => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
      });
      const body: unknown = await response.json();
      const validate = ajv.compile({ $ref: `document#/components/schemas/${schema}` });

      expect(response.status).to.equal(status);
      expect(validate(body), JSON.stringify(validate.errors)).to.be.true;
      if (status === 409) {
        expect(body).to.have.nested.property('error.code', 'NOT_ACCEPTED');
      }
    });
  }

  for (const [path, status, schema] of cases) {
    it(`answers GET ${path} as its ${schema} schema describes`, async () => {
      const response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      const body: unknown = await response.json();
      const validate = ajv.compile({ $ref: `document#/components/schemas/${schema}` });

      expect(response.status).to.equal(status);
      expect(validate(body), JSON.stringify(validate.errors)).to.be.true;
    });
  }
});
