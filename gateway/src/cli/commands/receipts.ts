import type { Command } from 'commander';
import { verifyReceiptText, type ReceiptVerification } from '../../receipt';
import { CliError } from '../environment';
import { readInput } from '../input';
import { printResult, type CliContext } from '../output';

const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** `receipt verify <file>`: offline, no peer and no gateway needed. */
export function addReceiptCommands(program: Command, context: CliContext): void {
  program
    .command('receipt')
    .description('work with receipts offline')
    .command('verify')
    .description('verify a receipt file offline: signature, hashes, proofs, verdicts, outcome')
    .argument('<file>', "receipt file ('-' for stdin)")
    .option('--ca <file>', 'PEM CA certificate(s) the requester certificate must be issued by')
    .option('--require-accepted', 'also fail unless the outcome is accepted')
    .action(
      async (
        file: string,
        options: { ca?: string; requireAccepted?: boolean },
        command: Command,
      ) => {
        const trusted =
          options.ca === undefined ? undefined : await readCertificates(context, options.ca);
        const text = await readInput(context, file);
        const verification = verifyReceiptText(
          text,
          trusted ? { trustedCertificates: trusted } : {},
        );
        const accepted = verification.status === 'accepted';
        printResult(context, command, verification, () => {
          const lines = verification.checks.map(
            (check) => `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}`,
          );
          const verdict = verification.valid
            ? `receipt valid: request ${verification.blockId ?? '?'} is ${verification.status ?? '?'}`
            : 'receipt INVALID';
          return [...lines, verdict].join('\n');
        });
        if (!verification.valid || (options.requireAccepted && !accepted)) {
          context.exitCode = 1;
        }
      },
    );
}

export function describeFailures(verification: ReceiptVerification): string {
  return verification.checks
    .filter((check) => !check.ok)
    .map((check) => `  ${check.name}: ${check.detail}`)
    .join('\n');
}

async function readCertificates(context: CliContext, file: string): Promise<string[]> {
  const certificates = (await readInput(context, file)).match(certificatePem) ?? [];
  if (certificates.length === 0) {
    throw new CliError('USAGE', `--ca ${file}: no PEM certificate in the file`, 2);
  }
  return certificates;
}
