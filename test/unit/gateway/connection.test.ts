import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConnectionProfile, loadMemberIdentity } from '../../../gateway/src/fabric/connection';
import { newIdentity, type TestIdentity } from '../../support/identities';

chai.use(chaiAsPromised);
const { expect } = chai;

describe("a member's connection profile", () => {
  let dir: string;
  let user: TestIdentity;
  let admin: TestIdentity;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corroborate-profile-'));
    user = await newIdentity('Org1MSP');
    admin = await newIdentity('Org1MSP', 'Admin@org1', 'P-256', 'admin');
    for (const [name, identity] of [
      ['user', user],
      ['admin', admin],
    ] as const) {
      writeFileSync(join(dir, `${name}.pem`), identity.certificate);
      writeFileSync(
        join(dir, `${name}.key`),
        identity.privateKey.export({ format: 'pem', type: 'pkcs8' }),
      );
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function writeProfile(fields: Record<string, string>): string {
    const path = join(dir, `profile-${Object.keys(fields).length}-${Math.random()}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        org: 'org1',
        mspId: 'Org1MSP',
        peerEndpoint: '127.0.0.1:7051',
        peerHostAlias: 'peer0.org1.example.com',
        tlsRootCertPath: join(dir, 'user.pem'),
        certPath: join(dir, 'user.pem'),
        keyPath: join(dir, 'user.key'),
        channel: 'corroborate',
        chaincode: 'corroborate',
        ...fields,
      }),
    );
    return path;
  }

  it("reads the client identity, and the admin's when the profile names it", async () => {
    const profile = await loadConnectionProfile(
      writeProfile({ adminCertPath: join(dir, 'admin.pem'), adminKeyPath: join(dir, 'admin.key') }),
    );

    expect((await loadMemberIdentity(profile)).certificatePem).to.equal(user.certificate);
    expect((await loadMemberIdentity(profile, 'admin')).certificatePem).to.equal(admin.certificate);
  });

  it('names no admin identity when the profile has none', async () => {
    const profile = await loadConnectionProfile(writeProfile({}));

    await expect(loadMemberIdentity(profile, 'admin')).to.be.rejectedWith(
      /names no admin identity/,
    );
  });

  it('refuses a profile with only one of the admin paths', async () => {
    await expect(
      loadConnectionProfile(writeProfile({ adminCertPath: join(dir, 'admin.pem') })),
    ).to.be.rejectedWith(/adminCertPath and adminKeyPath are file paths, both or neither/);
  });
});
