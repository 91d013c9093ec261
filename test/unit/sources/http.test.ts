import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpSourceConfig, SourceConnector } from '../../../gateway/src/sources';
import { newHttpConnector, SourceError } from '../../../gateway/src/sources';
import { buildHttpUrl } from '../../../gateway/src/sources/http';

chai.use(chaiAsPromised);
const { expect } = chai;

const customerJson =
  '{"data":{"customer":{"id":12345678901234567890,"name":"Zoë","balance":10.50,' +
  '"tags":[1,2.0,"x"],"active":true,"joined":"2024-01-01T01:00:00+01:00","note":null,' +
  '"a/b":1,"m~n":2}},"list":[{"id":1}]}';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function json(body: string, status = 200): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(body);
  };
}

describe('HTTP connector', function () {
  let server: Server;
  let baseUrl: string;
  let requests: IncomingMessage[];
  let connector: SourceConnector;
  const routes = new Map<string, Handler>();

  function config(overrides: Partial<HttpSourceConfig> = {}): HttpSourceConfig {
    return {
      id: 'api',
      kind: 'http',
      baseUrl,
      headers: { authorization: 'Bearer token-1' },
      timeoutMs: 500,
      maxBytes: 4096,
      types: { joined: 'timestamp' },
      ...overrides,
    };
  }

  function read(path: string, pointer = '') {
    return connector.read({ kind: 'http', path, pointer });
  }

  before(async function () {
    routes.set('/v1/customers/42', json(customerJson));
    routes.set('/v1/missing', json('{}', 404));
    routes.set('/v1/gone', json('{}', 410));
    routes.set('/v1/broken', json('{}', 503));
    routes.set('/v1/forbidden', json('{}', 403));
    routes.set('/v1/teapot', json('{}', 418));
    routes.set('/v1/duplicate', json('{"a":1,"a":2}'));
    routes.set('/v1/invalid', json('{"a":'));
    routes.set('/v1/array', json('[1,2]'));
    routes.set('/v1/latin1', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]));
    });
    routes.set('/v1/html', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html></html>');
    });
    routes.set('/v1/problem', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/problem+json' });
      response.end('{"title":"ok"}');
    });
    routes.set('/v1/redirect', (_request, response) => {
      response.writeHead(302, { location: '/v1/customers/42' });
      response.end();
    });
    routes.set('/v1/declared-large', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      response.end(`"${'x'.repeat(99_998)}"`);
    });
    routes.set('/v1/endless', (_request, response) => {
      // No Content-Length: chunked, and it would never end on its own.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[');
      const timer = setInterval(() => response.write('"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",'), 1);
      response.on('close', () => clearInterval(timer));
    });
    routes.set('/v1/silent', () => undefined);
    routes.set('/v1/trickle', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"a":');
      // The body never completes: the time limit covers the body, not only the headers.
    });
    server = createServer((request, response) => {
      requests.push(request);
      const handler = routes.get((request.url ?? '').split('?')[0] ?? '');
      if (handler === undefined) {
        json('{"error":"no route"}', 404)(request, response);
      } else {
        handler(request, response);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  beforeEach(function () {
    requests = [];
    connector = newHttpConnector(config());
  });

  afterEach(async function () {
    await connector.close();
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the object at the pointer in canonical form, keeping every digit of its numbers', async function () {
    const record = await read('/customers/42', '/data/customer');
    expect(record).to.deep.equal({
      id: { t: 'number', v: '12345678901234567890' },
      name: { t: 'text', v: 'Zoë' },
      balance: { t: 'number', v: '10.5' },
      tags: { t: 'json', v: [1, 2, 'x'] },
      active: { t: 'boolean', v: true },
      joined: { t: 'timestamp', v: '2024-01-01T00:00:00.000000Z' },
      note: { t: 'null' },
      'a/b': { t: 'number', v: '1' },
      'm~n': { t: 'number', v: '2' },
    });
  });

  it('sends a GET with the configured headers and a JSON accept header', async function () {
    await read('/customers/42', '/data/customer');
    expect(requests).to.have.length(1);
    expect(requests[0]).to.include({ method: 'GET', url: '/v1/customers/42' });
    expect(requests[0]!.headers).to.include({
      authorization: 'Bearer token-1',
      accept: 'application/json',
    });
  });

  it('follows RFC 6901 pointers into arrays and through escaped keys', async function () {
    expect(await read('/customers/42', '/list/0')).to.deep.equal({ id: { t: 'number', v: '1' } });
    await expect(read('/customers/42', '/list/01')).to.be.rejectedWith(/^RECORD_NOT_FOUND/);
    await expect(read('/customers/42', '/data/customer/a~1b')).to.be.rejectedWith(
      /pointer must select a JSON object/,
    );
  });

  it('passes a query string through to the source', async function () {
    await expect(read('/customers/42?fields=all&v=1', '/data/customer')).to.be.fulfilled;
    expect(requests[0]!.url).to.equal('/v1/customers/42?fields=all&v=1');
  });

  it('reports a pointer that selects nothing as RECORD_NOT_FOUND', async function () {
    await expect(read('/customers/42', '/data/nobody')).to.be.rejectedWith(
      SourceError,
      /^RECORD_NOT_FOUND: source api: the document has nothing at the pointer/,
    );
  });

  it('refuses a pointer that selects something other than an object', async function () {
    await expect(read('/customers/42', '/data/customer/name')).to.be.rejectedWith(
      SourceError,
      /^READ_REFUSED: .*must select a JSON object/,
    );
    await expect(read('/array')).to.be.rejectedWith(/must select a JSON object/);
  });

  ['data', '/data/~2', '/a~'].forEach((pointer) => {
    it(`refuses the malformed pointer ${JSON.stringify(pointer)} without a request`, async function () {
      await expect(read('/customers/42', pointer)).to.be.rejectedWith(/^READ_REFUSED: .*pointer/);
      expect(requests).to.have.length(0);
    });
  });

  const refusedPaths = [
    '',
    'customers/42',
    '/../secret',
    '/customers/../../secret',
    '/customers/..',
    '/./customers',
    '//evil.example/x',
    '/customers//42',
    '/x?next=//evil.example',
    'http://evil.example/x',
    'https:/evil.example',
    '/customers/%2e%2e/secret',
    '/customers/%2E%2E%2Fsecret',
    '/a%2fb',
    '/a%5cb',
    '/a%00',
    '/a%zz',
    '/a\\b',
    '/a b',
    '/a\tb',
    '/a#fragment',
    '/ünïcode',
    '/a\r\nHost: evil.example',
    `/${'x'.repeat(600)}`,
  ];
  refusedPaths.forEach((path) => {
    it(`refuses the path ${JSON.stringify(path.slice(0, 40))} without a request`, async function () {
      await expect(read(path)).to.be.rejectedWith(SourceError, /^READ_REFUSED: source api: path /);
      expect(requests).to.have.length(0);
    });
  });

  it('says why it refuses a path, naming the source', function () {
    const reasons: [unknown, string][] = [
      ['', 'must be a string of 1..512 characters'],
      [42, 'must be a string of 1..512 characters'],
      [`/${'x'.repeat(512)}`, 'must be a string of 1..512 characters'],
      ['customers/42', "must start with '/'"],
      [
        '/a b',
        'has characters outside RFC 3986 paths and queries (spaces, backslashes, fragments, non-ASCII)',
      ],
      ['/customers//42', "must not contain '//'"],
      ['/customers/..', "must not contain '..' or '.' segments"],
      ['/./customers', "must not contain '..' or '.' segments"],
      ['/a%zz', "has a malformed escape or an escaped '.', '/', '\\' or NUL"],
      ['/a%2E', "has a malformed escape or an escaped '.', '/', '\\' or NUL"],
    ];
    for (const [path, why] of reasons) {
      expect(() => buildHttpUrl('https://api.example.org/v1', path, 'api'), String(path))
        .to.throw(SourceError, `READ_REFUSED: source api: path ${why}`)
        .with.property('sourceId', 'api');
    }
  });

  it('takes a path of up to 512 characters', function () {
    const path = `/${'x'.repeat(511)}`;
    expect(buildHttpUrl('https://api.example.org', path, 'api').pathname).to.equal(path);
  });

  it('keeps an @ in a path under the base URL', function () {
    const url = buildHttpUrl('https://api.example.org/v1', '/@evil.example/x', 'api');
    expect(url.href).to.equal('https://api.example.org/v1/@evil.example/x');
  });

  it('appends to a base URL with or without a trailing slash, or without a path', function () {
    expect(buildHttpUrl('https://api.example.org/v1/', '/a', 'api').href).to.equal(
      'https://api.example.org/v1/a',
    );
    expect(buildHttpUrl('https://api.example.org', '/a?b=c', 'api').href).to.equal(
      'https://api.example.org/a?b=c',
    );
    expect(buildHttpUrl('https://api.example.org/v1//', '/a', 'api').href).to.equal(
      'https://api.example.org/v1/a',
    );
  });

  it('refuses a redirect instead of following it', async function () {
    await expect(read('/redirect')).to.be.rejectedWith(
      SourceError,
      /^READ_REFUSED: .*redirect, which is not followed/,
    );
    expect(requests.map((request) => request.url)).to.deep.equal(['/v1/redirect']);
  });

  it('refuses a body whose declared length is over the limit', async function () {
    await expect(read('/declared-large')).to.be.rejectedWith(
      SourceError,
      /^READ_REFUSED: .*larger than 4096 bytes/,
    );
  });

  it('stops reading a body without a declared length once it passes the limit', async function () {
    await expect(read('/endless')).to.be.rejectedWith(/larger than 4096 bytes/);
  });

  it('gives up on a server that does not answer within the time limit', async function () {
    const started = Date.now();
    const error = await read('/silent').catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(SourceError);
    expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
    expect((error as Error).message).to.match(/no complete answer within 500 ms/);
    expect(Date.now() - started).to.be.below(5000);
  });

  it('gives up on a body that does not complete within the time limit', async function () {
    await expect(read('/trickle')).to.be.rejectedWith(/^SOURCE_UNAVAILABLE: .*within 500 ms/);
  });

  it('stops when the caller aborts', async function () {
    const controller = new AbortController();
    const reading = connector.read(
      { kind: 'http', path: '/silent', pointer: '' },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(reading).to.be.rejectedWith(SourceError, /^SOURCE_UNAVAILABLE: .*aborted/);
  });

  it('maps HTTP statuses to codes', async function () {
    await expect(read('/missing')).to.be.rejectedWith(/^RECORD_NOT_FOUND: source api: HTTP 404/);
    await expect(read('/gone')).to.be.rejectedWith(/^RECORD_NOT_FOUND: .*HTTP 410/);
    const unavailable = await read('/broken').catch((caught: unknown) => caught);
    expect(unavailable).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
    const forbidden = await read('/forbidden').catch((caught: unknown) => caught);
    expect(forbidden).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: false });
    await expect(read('/teapot')).to.be.rejectedWith(/^READ_REFUSED: .*HTTP 418/);
  });

  it('refuses responses that are not JSON, not UTF-8, malformed or ambiguous', async function () {
    await expect(read('/html')).to.be.rejectedWith(
      /^READ_REFUSED: .*not JSON \(content-type "text\/html"\)/,
    );
    await expect(read('/latin1')).to.be.rejectedWith(/not valid UTF-8/);
    await expect(read('/invalid')).to.be.rejectedWith(/not valid JSON/);
    await expect(read('/duplicate')).to.be.rejectedWith(/not valid JSON: JSON: duplicate key "a"/);
  });

  it('accepts a +json media type', async function () {
    expect(await read('/problem')).to.deep.equal({ title: { t: 'text', v: 'ok' } });
  });

  it('reports a closed port as retryable SOURCE_UNAVAILABLE', async function () {
    const closed = newHttpConnector(config({ baseUrl: 'http://127.0.0.1:1/v1' }));
    const error = await closed
      .read({ kind: 'http', path: '/x', pointer: '' })
      .catch((caught: unknown) => caught);
    expect(error).to.include({ code: 'SOURCE_UNAVAILABLE', retryable: true });
  });

  it('refuses a SQL read', async function () {
    await expect(
      connector.read({ kind: 'sql', table: 't', key: { id: 1 }, columns: ['id'] }),
    ).to.be.rejectedWith(/^READ_REFUSED: .*serves only http reads/);
  });

  it('answers a ping with any HTTP response from the base URL', async function () {
    await connector.ping();
    expect(requests[0]!.url).to.equal('/v1');
  });
});
