import type { AttestationReason, AttestationResult, DifferingFields } from '@corroborate/protocol';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';

/** The header that carries the body's HMAC-SHA-256: `sha256=<64 lowercase hex digits>`. */
export const ALERT_SIGNATURE_HEADER = 'X-Corroborate-Signature';

/**
 * What a member's webhook receives when a participant attests `drifted` or `unreadable` in a
 * re-verification round. Names only: never a value, never a hash of one.
 */
export interface DriftAlert {
  readonly type: 'corroborate.recheck.alert';
  /** The attestation's transaction id: the same alert delivered twice carries the same id. */
  readonly id: string;
  readonly blockId: string;
  readonly round: number;
  readonly participant: string;
  readonly result: Exclude<AttestationResult, 'matches'>;
  readonly reason: AttestationReason;
  readonly differingFields: DifferingFields[];
}

/** `sha256=` and the HMAC-SHA-256 of the exact body bytes with the secret, hex. */
export function signAlertBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Whether `header` is the body's signature with `secret`, compared in constant time. */
export function verifyAlertSignature(body: string, header: string, secret: string): boolean {
  const expected = Buffer.from(signAlertBody(body, secret), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

export interface Webhook {
  /**
   * Posts the alert, retrying with exponential backoff on a network failure, a timeout, a 429 or
   * a 5xx; any other answer ends it. Resolves to whether a 2xx came back; never rejects.
   */
  send(alert: DriftAlert): Promise<boolean>;
}

export function newWebhook(options: Readonly<WebhookOptions>): Webhook {
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const post = options.fetch ?? fetch;
  return {
    async send(alert) {
      const body = JSON.stringify(alert);
      const headers = {
        'content-type': 'application/json',
        [ALERT_SIGNATURE_HEADER]: signAlertBody(body, options.secret),
      };
      for (let attempt = 1; ; attempt++) {
        let retry: boolean;
        try {
          const response = await post(options.url, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          await response.arrayBuffer().catch(() => undefined);
          if (response.ok) return true;
          retry = response.status === 429 || response.status >= 500;
        } catch {
          retry = true;
        }
        if (!retry || attempt >= options.maxAttempts) return false;
        const backoff = options.initialBackoffMs * 2 ** Math.min(attempt - 1, 30);
        await sleep(Math.min(options.maxBackoffMs, backoff));
      }
    },
  };
}
