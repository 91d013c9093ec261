// A member's configuration: the file that config-schema.ts describes, plus the few settings the
// environment may override. The file is validated once, sources included, and every problem is
// reported at once with its JSON Pointer.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type {
  ConfigFile,
  GatewaySection,
  LedgerSection,
  SourceConfig,
  WorkerSection,
} from './config-schema';
import { formatAsPointer, validateConfigFile } from './config-validation';
import { validatedSourceList } from './sources/config';

export { roles } from './config-schema';
export type { Role } from './config-schema';

/** An API key as configuration holds it: only the SHA-256 of the key, never the key itself. */
export type ApiKeyConfig = GatewaySection['apiKeys'][number];

export type GatewayConfig = Readonly<GatewaySection>;

export type WorkerConfig = Readonly<WorkerSection>;

/** How submissions wait for their commit: the ledger facade's `CommitPolicy`. */
export type LedgerConfig = Readonly<LedgerSection>;

/** One member's configuration: its Fabric connection profile, its sources, gateway and worker. */
export interface Config {
  readonly profilePath: string;
  readonly logLevel: string;
  readonly gateway: GatewayConfig;
  readonly worker: WorkerConfig;
  readonly ledger: LedgerConfig;
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
  const checked = validateConfigFile(raw);
  problems.push(...checked.problems.map(formatAsPointer));
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  const file: ConfigFile = checked.value;
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  return {
    profilePath: absolute(file.profile),
    logLevel: env.CORROBORATE_LOG_LEVEL ?? file.logLevel,
    gateway: {
      ...file.gateway,
      port: gatewayPort ?? file.gateway.port,
      ...(file.gateway.tls && {
        tls: { cert: absolute(file.gateway.tls.cert), key: absolute(file.gateway.tls.key) },
      }),
    },
    worker: {
      ...file.worker,
      checkpointFile: absolute(file.worker.checkpointFile),
      port: workerPort ?? file.worker.port,
    },
    ledger: file.ledger,
    // Validated with the file: the registry takes this list without parsing it again.
    sources: validatedSourceList(
      file.sources.map((source) =>
        source.kind === 'sqlite' ? { ...source, file: absolute(source.file) } : source,
      ),
    ),
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
