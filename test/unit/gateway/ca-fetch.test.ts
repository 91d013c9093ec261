// First: it installs the Reflect metadata API that @peculiar/x509 needs when it loads.
import { newAuthority, type TestAuthority } from '../../support/identities';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { newCaFetch } from '../../../gateway/src/ca-fetch';

chai.use(chaiAsPromised);
const { expect } = chai;

/** An HTTPS server on loopback with a certificate from `authority`, naming `names`. */
async function startServer(authority: TestAuthority, names: readonly string[]): Promise<Server> {
  const credentials = await authority.issueServer(names);
  const server = createServer(
    { cert: credentials.certificate, key: credentials.privateKey },
    (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.end(
          JSON.stringify({
            method: request.method,
            authorization: request.headers.authorization,
            body,
          }),
        );
      });
    },
  );
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return server;
}

describe('newCaFetch: HTTPS to a gateway trusting its organisation CA only', () => {
  let org1: TestAuthority;
  let impostor: TestAuthority;
  let server: Server;
  let url: string;

  before(async () => {
    org1 = await newAuthority('Org1MSP');
    // The same name as Org1's CA, another key: trusting by name would let it through.
    impostor = await newAuthority('Org1MSP');
    server = await startServer(org1, ['127.0.0.1']);
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
  });

  it('calls a server whose certificate chains to the CA given, with method, headers and body', async () => {
    const response = await newCaFetch({ ca: org1.certificate })(`${url}/v1/requests`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: '{"a":1}',
    });

    expect(response.status).to.equal(200);
    expect(response.headers.get('set-cookie')).to.equal('a=1, b=2');
    expect(await response.json()).to.deep.equal({
      method: 'POST',
      authorization: 'Bearer k1',
      body: '{"a":1}',
    });
  });

  it('refuses a server whose certificate another CA of the same name issued', async () => {
    await expect(newCaFetch({ ca: impostor.certificate })(`${url}/healthz`, {})).to.be.rejectedWith(
      /certificate/,
    );
  });

  it('refuses a server whose certificate does not name the address dialled', async () => {
    const named = await startServer(org1, ['org1.example']);
    try {
      const port = (named.address() as AddressInfo).port;
      await expect(
        newCaFetch({ ca: org1.certificate })(`https://127.0.0.1:${port}/healthz`, {}),
      ).to.be.rejectedWith(/altnames|does not match/i);
    } finally {
      named.close();
    }
  });

  it('refuses a plain HTTP URL, since a CA was given to be used', async () => {
    await expect(
      newCaFetch({ ca: org1.certificate })('http://127.0.0.1:1/healthz', {}),
    ).to.be.rejectedWith('only https:// URLs are dialled');
  });
});
