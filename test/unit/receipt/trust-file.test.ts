import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import {
  loadTrustFile,
  parseTrustFile,
  TrustFileError,
} from '../../../gateway/src/receipt/trust-file';
import { newAuthority, type TestAuthority } from '../../support/identities';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('trust files', () => {
  let org1: TestAuthority;
  let org2: TestAuthority;
  const files = new Map<string, string>();
  const readFile = (path: string): Promise<string> => {
    const text = files.get(path);
    return text === undefined
      ? Promise.reject(new Error('ENOENT: no such file'))
      : Promise.resolve(text);
  };
  const parse = (value: unknown) =>
    parseTrustFile(JSON.stringify(value), { path: 'consortium/trust.json', readFile });

  before(async () => {
    [org1, org2] = await Promise.all([newAuthority('Org1MSP'), newAuthority('Org2MSP')]);
    files.set('consortium/cas/org2.pem', `${org2.certificate}\n${org1.certificate}`);
  });

  it('reads the CA certificates given inline or as files beside it, and the participant set', async () => {
    const trust = await parse({
      format: 'corroborate-trust-v1',
      organisations: {
        Org1MSP: { caCertificates: [org1.certificate] },
        Org2MSP: { caCertificates: ['cas/org2.pem'] },
      },
      participants: ['Org1MSP', 'Org2MSP'],
    });
    expect(trust).to.deep.equal({
      organisations: {
        Org1MSP: [org1.certificate.trim()],
        // Every certificate a file holds.
        Org2MSP: [org2.certificate.trim(), org1.certificate.trim()],
      },
      participants: ['Org1MSP', 'Org2MSP'],
    });
  });

  it('takes a minimum participant count instead of the set', async () => {
    const trust = await parse({
      format: 'corroborate-trust-v1',
      organisations: { Org1MSP: { caCertificates: [org1.certificate] } },
      minParticipants: 3,
    });
    expect(trust).to.deep.include({ minParticipants: 3 });
    expect(trust).to.not.have.property('participants');
  });

  it('loads a file by its path', async () => {
    files.set(
      'consortium/trust.json',
      JSON.stringify({
        format: 'corroborate-trust-v1',
        organisations: { Org2MSP: { caCertificates: ['cas/org2.pem'] } },
        participants: ['Org2MSP'],
      }),
    );
    const trust = await loadTrustFile('consortium/trust.json', { readFile });
    expect(trust.organisations.Org2MSP).to.have.length(2);
    await expect(loadTrustFile('nowhere.json', { readFile })).to.be.rejectedWith(
      TrustFileError,
      'trust file nowhere.json: cannot read it: ENOENT: no such file',
    );
  });

  it('refuses a file it cannot use, naming the file and what is wrong', async () => {
    const organisations = { Org1MSP: { caCertificates: [org1.certificate] } };
    const base = { format: 'corroborate-trust-v1', organisations };
    const cases: [unknown, string][] = [
      [{ ...base }, '(root) must give exactly one of participants and minParticipants'],
      [
        { ...base, participants: ['Org1MSP'], minParticipants: 1 },
        '(root) must give exactly one of participants and minParticipants',
      ],
      [
        { ...base, format: 'other', participants: ['Org1MSP'] },
        '/format must be equal to constant',
      ],
      [{ ...base, participants: ['Org1MSP'], note: 1 }, "(root) has unknown field 'note'"],
      [{ ...base, minParticipants: 0 }, '/minParticipants must be >= 1'],
      [
        { ...base, participants: ['Org1MSP', 'Org1MSP'] },
        '/participants must NOT have duplicate items',
      ],
      [
        { ...base, participants: ['Org1MSP', 'Org9MSP'] },
        '/participants names Org9MSP, which /organisations does not list',
      ],
      [
        { ...base, organisations: { Org1MSP: { caCertificates: [] } }, minParticipants: 1 },
        '/organisations/Org1MSP/caCertificates must NOT have fewer than 1 items',
      ],
      [
        {
          ...base,
          organisations: {
            Org1MSP: {
              caCertificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'],
            },
          },
          minParticipants: 1,
        },
        '/organisations/Org1MSP/caCertificates/0: a PEM block that is not an X.509 certificate',
      ],
      [
        {
          ...base,
          organisations: { Org1MSP: { caCertificates: ['cas/none.pem'] } },
          minParticipants: 1,
        },
        '/organisations/Org1MSP/caCertificates/0: cannot read consortium/cas/none.pem: ENOENT: no such file',
      ],
    ];
    for (const [value, message] of cases) {
      const failure = await parse(value).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, JSON.stringify(value)).to.be.instanceOf(TrustFileError);
      expect((failure as Error).message, JSON.stringify(value)).to.include(
        `trust file consortium/trust.json: ${message}`,
      );
    }
    await expect(
      parseTrustFile('{"format":', { path: 'consortium/trust.json', readFile }),
    ).to.be.rejectedWith(TrustFileError, /^trust file consortium\/trust\.json: not JSON: /);
  });

  it('refuses a file that names a PEM file holding no certificate', async () => {
    files.set('consortium/cas/empty.pem', 'nothing here');
    await expect(
      parse({
        format: 'corroborate-trust-v1',
        organisations: { Org1MSP: { caCertificates: ['cas/empty.pem'] } },
        minParticipants: 1,
      }),
    ).to.be.rejectedWith(
      TrustFileError,
      '/organisations/Org1MSP/caCertificates/0: holds no PEM certificate',
    );
  });
});
