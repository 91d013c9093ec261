/**
 * The participant worker: an event pump that delivers the contract's events from a durable
 * checkpoint, and the participant protocol (first and second verification, verdicts, outcomes,
 * the expiry sweep) as its handler. `startWorker` runs one for a member's configuration;
 * `newWorker` composes one from its parts.
 *
 * @packageDocumentation
 */
export { startWorker } from './main';
export type { RunningWorker } from './main';
export { newWorker } from './worker';
export type { Worker, WorkerOptions } from './worker';
export { newEventPump } from './pump';
export type { EventHandler, EventPump, EventPumpOptions, PumpLedger, PumpMetrics } from './pump';
export { newParticipantProtocol } from './protocol';
export type {
  ParticipantProtocol,
  ParticipantProtocolOptions,
  ProtocolLedger,
  ProtocolMetrics,
} from './protocol';
export { newParticipant } from './participant';
export type {
  Participant,
  ParticipantOptions,
  RetryPolicy,
  VerificationResult,
} from './participant';
export { openFileCheckpoint } from './checkpoint';
export type { DurableCheckpoint } from './checkpoint';
export { newKeyedLock } from './lock';
export type { KeyedLock } from './lock';
export { newWorkerMetrics } from './metrics';
export type { WorkerMetrics } from './metrics';
