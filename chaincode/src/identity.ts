import type { Context } from 'fabric-contract-api';
import { X509Certificate } from 'node:crypto';
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

/** The organisational unit that marks an admin under Fabric's NodeOUs (`AdminOUIdentifier`). */
export const adminOrganizationalUnit = 'admin';

/**
 * Whether the certificate's subject names the organisational unit `admin`: the role Fabric's
 * NodeOUs give an organisation's administrators. Only the organisation's CA puts an OU into a
 * certificate, and the peer has checked the certificate against the organisation's MSP before
 * the contract runs, so the OU is the organisation's word, not the caller's.
 */
export function hasAdminRole(certificatePem: string): boolean {
  let subject: string;
  try {
    subject = new X509Certificate(certificatePem).subject;
  } catch {
    return false;
  }
  return organizationalUnits(subject).includes(adminOrganizationalUnit);
}

/**
 * The OU values of a subject as Node prints it: one attribute per line, several attributes of one
 * RDN joined by ` + `. A value with special characters (a line break, a quote, a `+`) is printed
 * escaped, so it never reads as a separate `OU=admin`.
 */
function organizationalUnits(subject: string): string[] {
  return subject
    .split('\n')
    .flatMap((line) => line.split(/(?<!\\) \+ /))
    .filter((attribute) => attribute.startsWith('OU='))
    .map((attribute) => attribute.slice('OU='.length));
}
