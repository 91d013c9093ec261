/**
 * Source connectors: the acquisition module reads a record through them and the second
 * verification re-reads it.
 *
 * @packageDocumentation
 */
export type {
  DatabaseTls,
  HttpSourceConfig,
  MysqlSourceConfig,
  PostgresSourceConfig,
  ReadOptions,
  SourceConfig,
  SourceConnector,
  SourceErrorCode,
  SourceErrorOptions,
  SourceRegistry,
  SqliteSourceConfig,
  TableConfig,
} from './source';
export { isSourceError, readEach, SourceError } from './source';
export { parseSourceConfig, parseSourceConfigs, redactSourceConfig } from './config';
export { newSourceConnector, newSourceRegistry } from './registry';
export { newSqliteConnector } from './sqlite';
export { newPostgresConnector } from './postgres';
export { newMysqlConnector } from './mysql';
export { newHttpConnector } from './http';
