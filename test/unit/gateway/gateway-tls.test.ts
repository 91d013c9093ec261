import * as chai from 'chai';
import { ConfigError, parseConfig } from '../../../gateway/src/config';

const { expect } = chai;

const baseDir = '/etc/corroborate/org1';
const minimal = (gateway: Record<string, unknown>) => ({
  profile: 'profile.json',
  sources: [],
  gateway,
});

describe('parseConfig: a gateway serving HTTPS', () => {
  it('has no TLS unless the file names a certificate and key', () => {
    expect(parseConfig(minimal({}), {}, baseDir).gateway.tls).to.equal(undefined);
  });

  it('resolves the certificate and key against the folder of the file', () => {
    const config = parseConfig(
      minimal({ tls: { cert: 'tls/server.crt', key: '/secrets/server.key' } }),
      {},
      baseDir,
    );

    expect(config.gateway.tls).to.deep.equal({
      cert: '/etc/corroborate/org1/tls/server.crt',
      key: '/secrets/server.key',
    });
  });

  it('refuses a certificate without its key', () => {
    expect(() => parseConfig(minimal({ tls: { cert: 'server.crt' } }), {}, baseDir)).to.throw(
      ConfigError,
      /tls/,
    );
  });
});
