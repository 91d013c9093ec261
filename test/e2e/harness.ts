import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { newGatewayClient, type GatewayClient, type SourceConfig } from '@corroborate/gateway';
import {
  initialiseParticipants,
  runNetworkScript,
  startLocalConsortium,
  type LocalConsortium,
} from '@corroborate/dev';
import {
  SAMPLE_DDL,
  sampleInsert,
  sampleParams,
  sampleTableConfig,
  SAMPLE_ROWS,
  seedSqliteSample,
} from '@corroborate/dev';

export const repoDir = resolve(__dirname, '..', '..');
export const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test');
export const cliPath = join(repoDir, 'gateway', 'dist', 'cli.js');
// Above the test network's own ports (`npm test` sets its base), so that test runs with
// different bases can share a machine.
const portBase = Number(process.env.CORROBORATE_PORT_BASE ?? 27000);

/** Keys with fewer roles than the operator key, to test authorisation. */
export const requesterOnlyKey = 'cbk_requester_only_test_key_000000000000';
export const readerOnlyKey = 'cbk_reader_only_test_key_0000000000000000';

export interface E2eWorld {
  readonly consortium: LocalConsortium;
  /** Org1's gateway with its operator key (requester, reader, admin). */
  readonly org1: GatewayClient;
  client(org: string, apiKey?: string): GatewayClient;
  sqliteFile(org: string): string;
}

function databaseUrl(name: 'CORROBORATE_PG_URL' | 'CORROBORATE_MYSQL_URL'): URL {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: start the test databases with scripts/databases.sh start`);
  }
  return new URL(value);
}

/** The `crossdb` source: the same table in SQLite (org1), PostgreSQL (org2) and MariaDB (org3). */
export function crossDatabaseSource(org: string, dir: string): SourceConfig[] {
  if (org === 'org2') {
    const url = databaseUrl('CORROBORATE_PG_URL');
    return [
      {
        id: 'crossdb',
        kind: 'postgres',
        host: url.hostname,
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
        tables: { customers_e2e: sampleTableConfig('postgres') },
      },
    ];
  }
  if (org === 'org3') {
    const url = databaseUrl('CORROBORATE_MYSQL_URL');
    return [
      {
        id: 'crossdb',
        kind: 'mysql',
        host: url.hostname,
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
        tables: { customers_e2e: sampleTableConfig('mysql') },
      },
    ];
  }
  const file = join(dir, 'crossdb.sqlite');
  const db = new Database(file);
  try {
    db.exec('DROP TABLE IF EXISTS customers_e2e');
    seedSqliteSample(renamed(db));
  } finally {
    db.close();
  }
  return [
    { id: 'crossdb', kind: 'sqlite', file, tables: { customers_e2e: sampleTableConfig('sqlite') } },
  ];
}

// The fixture's DDL names its table `customers`; the cross-database copy is `customers_e2e`, so
// that it never collides with the connectors' own integration tests in the same databases.
function renamed<T extends { exec(sql: string): unknown; prepare(sql: string): unknown }>(
  db: T,
): T {
  const rename = (sql: string): string => sql.replace(/\bcustomers\b/, 'customers_e2e');
  return {
    exec: (sql: string) => db.exec(rename(sql)),
    prepare: (sql: string) => db.prepare(rename(sql)),
  } as T;
}

export async function seedServerDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('CORROBORATE_PG_URL').href });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS customers_e2e');
    await client.query(SAMPLE_DDL.postgres.replace(/\bcustomers\b/, 'customers_e2e'));
    for (const row of SAMPLE_ROWS) {
      await client.query(
        sampleInsert('postgres').replace(/\bcustomers\b/, 'customers_e2e'),
        sampleParams('postgres', row),
      );
    }
  } finally {
    await client.end();
  }
  const connection = await mysql.createConnection({
    uri: databaseUrl('CORROBORATE_MYSQL_URL').href,
    timezone: 'Z',
  });
  try {
    await connection.query("SET time_zone = '+00:00'");
    await connection.query('DROP TABLE IF EXISTS customers_e2e');
    await connection.query(SAMPLE_DDL.mysql.replace(/\bcustomers\b/, 'customers_e2e'));
    for (const row of SAMPLE_ROWS) {
      await connection.execute(
        sampleInsert('mysql').replace(/\bcustomers\b/, 'customers_e2e'),
        sampleParams('mysql', row),
      );
    }
  } finally {
    await connection.end();
  }
}

export interface WorldOptions {
  /** More sources per organisation, besides `customers` and `crossdb`; `dir` is its folder. */
  readonly sources?: (org: string, dir: string) => SourceConfig[];
  /** Worker settings of one organisation, e.g. its drift webhook. */
  readonly workerOf?: (org: string) => Record<string, unknown>;
}

/** Brings up (or reuses) the test network and starts a gateway and a worker per organisation. */
export async function startWorld(options: WorldOptions = {}): Promise<E2eWorld> {
  // Safe to repeat: a healthy network answers in seconds, a stopped one is restarted.
  runNetworkScript(repoDir, home, ['up']);
  await seedServerDatabases();
  const consortium = await startLocalConsortium({
    repoDir,
    home,
    gatewayPortBase: portBase + 500,
    workerPortBase: portBase + 600,
    logLevel: 'info',
    worker: { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 1000, finalizeGraceMs: 2000 },
    gateway: { bodyLimitBytes: 65536 },
    ...(options.workerOf ? { workerOf: options.workerOf } : {}),
    sources: (org, dir) => [
      ...crossDatabaseSource(org, dir),
      ...(options.sources?.(org, dir) ?? []),
    ],
    extraApiKeys: [
      { id: 'requester-only', key: requesterOnlyKey, roles: ['requester'] },
      { id: 'reader-only', key: readerOnlyKey, roles: ['reader'] },
    ],
  });
  const byOrg = (org: string) => {
    const member = consortium.members.find((candidate) => candidate.org === org);
    if (!member) throw new Error(`no member ${org}`);
    return member;
  };
  const client = (org: string, apiKey?: string) =>
    newGatewayClient({
      url: byOrg(org).gatewayUrl,
      apiKey: apiKey ?? byOrg(org).apiKey,
      timeoutMs: 120_000,
    });
  const world: E2eWorld = {
    consortium,
    org1: client('org1'),
    client,
    sqliteFile: (org) => join(byOrg(org).dir, 'customers.sqlite'),
  };
  try {
    await initialiseParticipants(consortium.members);
  } catch (error) {
    await consortium.stop();
    throw error;
  }
  return world;
}
