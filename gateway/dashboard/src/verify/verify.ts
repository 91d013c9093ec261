// Receipt verification in the browser: the CLI's verifier (`corroborate receipt verify`),
// bundled from the same source, with the browser's crypto port.
import { Buffer } from 'buffer';
import { verifyReceiptText, type ReceiptVerification } from '@corroborate/gateway/receipt';
import { browserCrypto } from './browser-crypto';

// The protocol reads and writes base64 and UTF-8 through Node's Buffer; a browser has none.
globalThis.Buffer ??= Buffer as unknown as typeof globalThis.Buffer;

/** Every check of a receipt file's text, as the CLI runs them. */
export function verifyReceiptInBrowser(text: string): ReceiptVerification {
  return verifyReceiptText(text, { crypto: browserCrypto });
}
