import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseSourceConfigs } from './sources/config';
import type { SourceConfig } from './sources/source';

export type Role = 'requester' | 'reader' | 'admin';
export const roles: readonly Role[] = ['requester', 'reader', 'admin'];

/** An API key as configuration holds it: only the SHA-256 of the key, never the key itself. */
export interface ApiKeyConfig {
  readonly id: string;
  readonly sha256: string;
  readonly roles: readonly Role[];
}

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly rateLimit: { readonly windowMs: number; readonly max: number };
  readonly bodyLimitBytes: number;
  readonly defaultDeadlineSeconds: number;
  readonly maxBatchRecords: number;
  /** Serve HTTPS with this certificate and key (PEM files) instead of HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export interface WorkerConfig {
  readonly checkpointFile: string;
  readonly host: string;
  readonly port: number;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly concurrency: number;
  /** How long a non-designated participant waits before recording a decided outcome itself. */
  readonly finalizeGraceMs: number;
}

/** One member's configuration: its Fabric connection profile, its sources, gateway and worker. */
export interface Config {
  readonly profilePath: string;
  readonly logLevel: string;
  readonly gateway: GatewayConfig;
  readonly worker: WorkerConfig;
  readonly sources: readonly SourceConfig[];
}

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['profile', 'sources'],
  properties: {
    $schema: { type: 'string' },
    profile: { type: 'string', minLength: 1 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    gateway: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        apiKeys: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'sha256', 'roles'],
            properties: {
              id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: roles } },
            },
          },
        },
        rateLimit: {
          type: 'object',
          additionalProperties: false,
          properties: {
            windowMs: { type: 'integer', minimum: 1000 },
            max: { type: 'integer', minimum: 1 },
          },
        },
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 16777216 },
        defaultDeadlineSeconds: { type: 'integer', minimum: 10, maximum: 2592000 },
        maxBatchRecords: { type: 'integer', minimum: 1, maximum: 1000 },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert', 'key'],
          properties: {
            cert: { type: 'string', minLength: 1 },
            key: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    worker: {
      type: 'object',
      additionalProperties: false,
      properties: {
        checkpointFile: { type: 'string', minLength: 1 },
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
        initialBackoffMs: { type: 'integer', minimum: 0 },
        maxBackoffMs: { type: 'integer', minimum: 0 },
        concurrency: { type: 'integer', minimum: 1, maximum: 1024 },
        finalizeGraceMs: { type: 'integer', minimum: 0 },
      },
    },
    sources: { type: 'array', items: { type: 'object' } },
  },
} as const;

interface RawConfig {
  profile: string;
  logLevel?: string;
  gateway?: Partial<Omit<GatewayConfig, 'rateLimit'>> & {
    rateLimit?: Partial<GatewayConfig['rateLimit']>;
  };
  worker?: Partial<WorkerConfig>;
  sources: SourceConfig[];
}

const validateRaw = new Ajv2020({ allErrors: true, strict: false }).compile<RawConfig>(
  configSchema,
);

/** The environment variables that configuration reads; everything else comes from the file. */
export interface ConfigEnvironment {
  readonly CORROBORATE_CONFIG?: string;
  readonly CORROBORATE_LOG_LEVEL?: string;
  readonly CORROBORATE_GATEWAY_PORT?: string;
  readonly CORROBORATE_WORKER_PORT?: string;
}

/**
 * Builds the configuration from a parsed configuration file and the environment, reporting every
 * problem at once. Relative paths are resolved against `baseDir`, the file's folder. Pure.
 */
export function parseConfig(raw: unknown, env: ConfigEnvironment, baseDir: string): Config {
  const problems: string[] = [];
  const gatewayPort = parsePort(env.CORROBORATE_GATEWAY_PORT, 'CORROBORATE_GATEWAY_PORT', problems);
  const workerPort = parsePort(env.CORROBORATE_WORKER_PORT, 'CORROBORATE_WORKER_PORT', problems);
  if (!validateRaw(raw)) {
    for (const error of validateRaw.errors ?? []) {
      problems.push(`${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`);
    }
    throw new ConfigError(problems);
  }
  const worker = raw.worker ?? {};
  if ((worker.initialBackoffMs ?? 250) > (worker.maxBackoffMs ?? 4000)) {
    problems.push('/worker initialBackoffMs must not exceed maxBackoffMs');
  }
  const sourceIds = raw.sources.map((source) => (source as { id?: unknown }).id);
  const duplicates = sourceIds.filter((id, index) => sourceIds.indexOf(id) !== index);
  if (duplicates.length > 0) {
    problems.push(`/sources has duplicate ids: ${duplicates.map(String).join(', ')}`);
  }
  const keyIds = (raw.gateway?.apiKeys ?? []).map((key) => key.id);
  if (new Set(keyIds).size !== keyIds.length) {
    problems.push('/gateway/apiKeys has duplicate ids');
  }
  let sources: SourceConfig[] = [];
  try {
    sources = parseSourceConfigs(raw.sources);
  } catch (error) {
    problems.push(`/sources ${(error as Error).message}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const gateway = raw.gateway ?? {};
  return {
    profilePath: absolute(raw.profile),
    logLevel: env.CORROBORATE_LOG_LEVEL ?? raw.logLevel ?? 'info',
    gateway: {
      host: gateway.host ?? '127.0.0.1',
      port: gatewayPort ?? gateway.port ?? 8080,
      apiKeys: gateway.apiKeys ?? [],
      rateLimit: {
        windowMs: gateway.rateLimit?.windowMs ?? 60_000,
        max: gateway.rateLimit?.max ?? 600,
      },
      bodyLimitBytes: gateway.bodyLimitBytes ?? 256 * 1024,
      defaultDeadlineSeconds: gateway.defaultDeadlineSeconds ?? 3600,
      maxBatchRecords: gateway.maxBatchRecords ?? 1000,
      ...(gateway.tls && {
        tls: { cert: absolute(gateway.tls.cert), key: absolute(gateway.tls.key) },
      }),
    },
    worker: {
      checkpointFile: absolute(worker.checkpointFile ?? 'worker-checkpoint.json'),
      host: worker.host ?? '127.0.0.1',
      port: workerPort ?? worker.port ?? 9090,
      maxAttempts: worker.maxAttempts ?? 4,
      initialBackoffMs: worker.initialBackoffMs ?? 250,
      maxBackoffMs: worker.maxBackoffMs ?? 4000,
      concurrency: worker.concurrency ?? 64,
      finalizeGraceMs: worker.finalizeGraceMs ?? 5000,
    },
    sources: sources.map((source) => resolveSourcePaths(source, absolute)),
  };
}

/** Reads the file named by `CORROBORATE_CONFIG` (or `path`) and parses it with {@link parseConfig}. */
export function loadConfig(env: ConfigEnvironment, path = env.CORROBORATE_CONFIG): Config {
  if (!path) {
    throw new ConfigError(['no configuration file: pass --config FILE or set CORROBORATE_CONFIG']);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as Error).message}`]);
  }
  return parseConfig(raw, env, dirname(resolve(path)));
}

function parsePort(
  value: string | undefined,
  name: string,
  problems: string[],
): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${name} must be a port number, got '${value}'`);
    return undefined;
  }
  return port;
}

function resolveSourcePaths(
  source: SourceConfig,
  absolute: (path: string) => string,
): SourceConfig {
  if (source.kind === 'sqlite') {
    return { ...source, file: absolute(source.file) };
  }
  return source;
}
