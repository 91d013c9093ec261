import type { Context } from 'fabric-contract-api';
import { certificateFingerprint } from '@corroborate/protocol';

/** The submitting identity, as the peer authenticated it. */
export interface Caller {
  readonly mspId: string;
  /** PEM text of the submitter's X.509 certificate. */
  readonly certificate: string;
  readonly fingerprint: string;
}

/**
 * Identity comes only from the transaction's signed header (`ctx.clientIdentity`), never from an
 * argument, so a caller cannot speak for another organisation.
 */
export function callerOf(ctx: Context): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  const certificate = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
  return { mspId, certificate, fingerprint: certificateFingerprint(certificate) };
}
