import { expect } from 'chai';
import type { Request } from 'express';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { newApp } from '../../../gateway/src/app';
import { rateLimitKey } from '../../../gateway/src/http/access';
import { newStubbedLedger } from './fakes';

function requestFrom(ip: string | undefined, keyId?: string): Request {
  return {
    ip,
    ...(keyId ? { caller: { keyId, roles: new Set(['reader']) } } : {}),
  } as unknown as Request;
}

describe('gateway rate-limit key', () => {
  it('counts a known API key as one client from any address', () => {
    expect(rateLimitKey(requestFrom('192.0.2.1', 'ops'))).to.equal('key:ops');
    expect(rateLimitKey(requestFrom('2001:db8::1', 'ops'))).to.equal('key:ops');
  });

  it('counts an unknown caller by its IPv4 address', () => {
    expect(rateLimitKey(requestFrom('192.0.2.1'))).to.not.equal(
      rateLimitKey(requestFrom('192.0.2.2')),
    );
  });

  it('counts the addresses of one IPv6 /56 network as one client, so rotating them gains nothing', () => {
    const first = rateLimitKey(requestFrom('2001:db8:0:1::1'));

    expect(rateLimitKey(requestFrom('2001:db8:0:ff:ffff::9'))).to.equal(first);
    expect(rateLimitKey(requestFrom('2001:db8:0:100::1'))).to.not.equal(first);
  });

  it('starts the gateway without a warning from the rate limiter about its key', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const consoleError = sinon.stub(console, 'error');
    const consoleWarn = sinon.stub(console, 'warn');
    try {
      newApp({
        config: {
          host: '127.0.0.1',
          port: 0,
          apiKeys: [],
          rateLimit: { windowMs: 60_000, max: 10 },
          bodyLimitBytes: 1024,
          defaultDeadlineSeconds: 3600,
          maxBatchRecords: 1,
        },
        ledger: newStubbedLedger(sinon.createSandbox()),
        requests: { submit: () => Promise.reject(new Error('not used')) },
        logger: pino({ level: 'warn' }, sink),
      });
    } finally {
      consoleError.restore();
      consoleWarn.restore();
    }

    expect(lines.join('')).to.not.match(/ERR_ERL/);
    sinon.assert.notCalled(consoleError);
    sinon.assert.notCalled(consoleWarn);
  });
});
