import { parseSourceConfigs } from './config';
import { newHttpConnector } from './http';
import { newMysqlConnector } from './mysql';
import { newPostgresConnector } from './postgres';
import type { SourceConfig, SourceConnector, SourceRegistry } from './source';
import { SourceError } from './source';
import { newSqliteConnector } from './sqlite';

/**
 * A connector for one source configuration. Nothing connects yet: pools and files open on the
 * first read.
 */
export function newSourceConnector(config: SourceConfig): SourceConnector {
  switch (config.kind) {
    case 'sqlite':
      return newSqliteConnector(config);
    case 'postgres':
      return newPostgresConnector(config);
    case 'mysql':
      return newMysqlConnector(config);
    case 'http':
      return newHttpConnector(config);
  }
}

/**
 * The member's sources by logical id. The configurations are validated first (all problems
 * reported at once) unless they are the list a parsed configuration holds, which was validated
 * with its file; the ledger names a source only by its id, and each member maps that id to its
 * own connection here.
 *
 * @throws {@link SourceError} `INVALID_CONFIG`.
 */
export function newSourceRegistry(configs: readonly SourceConfig[]): SourceRegistry {
  const connectors = new Map<string, SourceConnector>();
  for (const config of parseSourceConfigs(configs)) {
    connectors.set(config.id, newSourceConnector(config));
  }
  return new Registry(connectors);
}

class Registry implements SourceRegistry {
  readonly ids: readonly string[];
  readonly #connectors: ReadonlyMap<string, SourceConnector>;

  constructor(connectors: ReadonlyMap<string, SourceConnector>) {
    this.#connectors = connectors;
    this.ids = Object.freeze([...connectors.keys()]);
  }

  has(sourceId: string): boolean {
    return this.#connectors.has(sourceId);
  }

  get(sourceId: string): SourceConnector {
    const connector = this.#connectors.get(sourceId);
    if (connector === undefined) {
      throw new SourceError(
        'UNKNOWN_SOURCE',
        `no source ${JSON.stringify(String(sourceId).slice(0, 64))} is configured`,
        {
          sourceId,
          retryable: false,
        },
      );
    }
    return connector;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.#connectors.values()].map((c) => c.close()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      throw failure.reason;
    }
  }
}
