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
export * from './worker';
export { ConfigError, loadConfig, parseConfig, roles } from './config';
export type {
  ApiKeyConfig,
  Config,
  ConfigEnvironment,
  GatewayConfig,
  LedgerConfig,
  Role,
  WorkerConfig,
} from './config';
export { hashApiKey } from './auth';
export { GatewayError, newGatewayClient } from './client';
export { newCaFetch, type CaFetchOptions, type FetchFunction } from './ca-fetch';
export type {
  GatewayClient,
  GatewayClientOptions,
  GatewayResponse,
  ListRequestsQuery,
  SendOptions,
} from './client';
export type {
  ApiSchema,
  ErrorBody,
  InitParticipantsRequest,
  ParticipantChangeRequest,
  Overview,
  ParticipantSetView,
  ProposalList,
  ProposalView,
  RequestPage,
  RequestStatus,
  RequestView,
  SubmitRequest,
  Submitted,
} from './api';
export { CorroborateError, errorCatalogue, isErrorCode } from './errors';
export type { ErrorCode } from './errors';
export { classify } from './classify';
export type { Classification } from './classify';
export { defaultCommitPolicy, newAdminLedger, newLedger } from './fabric/ledger';
export type {
  CommitEvent,
  CommitPolicy,
  Committed,
  EventStream,
  Ledger,
  LedgerEvent,
  LedgerOptions,
} from './fabric/ledger';
export { loadConnectionProfile, openFabricConnection } from './fabric/connection';
export type { ConnectionProfile, FabricConnection } from './fabric/connection';
export * from './sources';
export * from './receipt';
export {
  TRUST_FILE_FORMAT,
  TrustFileError,
  loadTrustFile,
  parseTrustFile,
  trustFileSchema,
} from './receipt/trust-file';
export type { LoadTrustFileOptions, TrustFile } from './receipt/trust-file';
export { signFirstBlock, signVerdict } from './signing';
export { runCli } from './cli/program';
