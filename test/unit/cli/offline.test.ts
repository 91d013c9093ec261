import { canonicalRecord, hashRecord } from '@corroborate/protocol';
import { buildReceipt, serializeReceipt } from '@corroborate/gateway/receipt';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newFakeLedger, newScenario } from '../receipt/fixture';

const repoRoot = resolve(__dirname, '..', '..', '..');
/** The compiled CLI, as `corroborate` runs it. */
const cli = join(repoRoot, 'gateway', 'dist', 'cli.js');
const recorder = join(__dirname, 'record-loaded-packages.js');

/** What talking to a peer or reading a database takes, and what the offline commands never need. */
const onlineOnly = [
  '@hyperledger/fabric-gateway',
  '@hyperledger/fabric-protos',
  '@grpc/grpc-js',
  'fabric-shim',
  'fabric-contract-api',
  'pg',
  'mysql2',
  'better-sqlite3',
];

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The npm packages the process loaded. */
  readonly packages: readonly string[];
}

describe('the offline commands', () => {
  const record = { id: 7, name: 'Ada', balance: '12.50' };
  let folder: string;
  let runs = 0;

  /** Runs node with the recorder preloaded, in a fresh process as a user would. */
  function runNode(args: readonly string[], input?: string): Run {
    const loaded = join(folder, `loaded-${(runs += 1)}.txt`);
    const result = spawnSync(process.execPath, ['--require', recorder, ...args], {
      cwd: repoRoot,
      input,
      encoding: 'utf8',
      env: { ...process.env, CORROBORATE_LOADED_PACKAGES: loaded },
    });
    const packages = readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, packages };
  }

  function onlineOnlyIn(run: Run): string[] {
    return run.packages.filter((name) => onlineOnly.includes(name));
  }

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'corroborate-offline-'));
  });

  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('hash a record from stdin without loading Fabric, gRPC or a database driver', () => {
    const run = runNode([cli, 'hash', '--json'], JSON.stringify(record));

    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal(hashRecord(canonicalRecord(record)));
    expect(onlineOnlyIn(run)).to.deep.equal([]);
  });

  it('hash a file of records with declared types without loading them either', () => {
    const file = join(folder, 'records.json');
    writeFileSync(file, JSON.stringify([record, { id: 8, balance: '1' }]));

    const run = runNode([cli, 'hash', file, '--types', 'balance=NUMERIC(10,2)', '--json']);

    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.have.property('batchRoot').that.is.a('string');
    expect(onlineOnlyIn(run)).to.deep.equal([]);
  });

  it('verify a receipt file against a CA without loading Fabric, gRPC or a database driver', async () => {
    const scenario = await newScenario();
    const receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
      proofs: [{ record: 0, field: 'balance' }],
    });
    const file = join(folder, 'receipt.json');
    const ca = join(folder, 'ca.pem');
    writeFileSync(file, serializeReceipt(receipt));
    writeFileSync(ca, scenario.authority.certificate);

    const run = runNode([cli, 'receipt', 'verify', file, '--ca', ca]);

    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include('receipt valid: request req-accounts-1 is accepted');
    expect(run.stdout).to.match(/^ok {4}certificateChain: issued by /m);
    expect(onlineOnlyIn(run)).to.deep.equal([]);
  });

  it('verify a receipt against a consortium trust file without loading them either', async () => {
    const scenario = await newScenario();
    const receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1');
    const file = join(folder, 'receipt-trusted.json');
    const trust = join(folder, 'trust.json');
    writeFileSync(file, serializeReceipt(receipt));
    const organisations = Object.fromEntries(
      Object.entries(scenario.trust.organisations).map(([mspId, pems]) => [
        mspId,
        { caCertificates: [...pems] },
      ]),
    );
    writeFileSync(
      trust,
      JSON.stringify({
        format: 'corroborate-trust-v1',
        organisations,
        participants: scenario.trust.participants,
      }),
    );

    const run = runNode([cli, 'receipt', 'verify', file, '--trust', trust, '--require-accepted']);

    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include('is accepted, and the consensus is proven');
    expect(onlineOnlyIn(run)).to.deep.equal([]);
  });

  it('are judged by a recorder that does see Fabric, gRPC and drivers when a process loads them', () => {
    const run = runNode(['-e', "require('@hyperledger/fabric-gateway'); require('pg')"]);

    expect(run.status, run.stderr).to.equal(0);
    expect(onlineOnlyIn(run)).to.include.members([
      '@hyperledger/fabric-gateway',
      '@grpc/grpc-js',
      'pg',
    ]);
  });

  it('share the receipt entry of the gateway package, which loads none of them', () => {
    const run = runNode(['-e', "require('@corroborate/gateway/receipt')"]);

    expect(run.status, run.stderr).to.equal(0);
    expect(run.packages).to.include('@noble/hashes');
    expect(onlineOnlyIn(run)).to.deep.equal([]);
  });
});
