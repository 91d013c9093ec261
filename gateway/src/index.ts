/**
 * Corroborate's member services: the gateway (HTTP API), the participant worker, the source
 * connectors, receipts and the CLI. Each member runs these with its own Fabric identity and its
 * own access to the sources; what both sides of the ledger must agree on comes from
 * `@corroborate/protocol`.
 *
 * @packageDocumentation
 * @module @corroborate/gateway
 */
export { startGateway } from './server';
export type { RunningGateway } from './server';
export { startWorker } from './worker/main';
export type { RunningWorker } from './worker/main';
export { ConfigError, loadConfig, parseConfig, roles } from './config';
export type {
  ApiKeyConfig,
  Config,
  ConfigEnvironment,
  GatewayConfig,
  Role,
  WorkerConfig,
} from './config';
export { hashApiKey } from './auth';
export { classify, CorroborateError, errorCatalogue, isErrorCode } from './errors';
export type { Classification, ErrorCode } from './errors';
export { newLedger } from './fabric/ledger';
export type { Committed, EventStream, Ledger, LedgerEvent } from './fabric/ledger';
export { loadConnectionProfile, openFabricConnection } from './fabric/connection';
export type { ConnectionProfile, FabricConnection } from './fabric/connection';
export * from './sources';
export * from './receipt';
export { runCli } from './cli/program';
