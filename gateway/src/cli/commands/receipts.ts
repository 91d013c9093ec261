import type { Command } from 'commander';
import { verifyReceiptText, type ConsortiumTrust, type ReceiptVerification } from '../../receipt';
import { loadTrustFile, TrustFileError } from '../../receipt/trust-file';
import { CliError } from '../environment';
import { readInput } from '../input';
import { printResult, type CliContext } from '../output';

const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

interface VerifyOptions {
  readonly trust?: string;
  readonly ca?: string;
  readonly requireAccepted?: boolean;
}

/** `receipt verify <file>`: offline, no peer and no gateway needed. */
export function addReceiptCommands(program: Command, context: CliContext): void {
  program
    .command('receipt')
    .description('work with receipts offline')
    .command('verify')
    .description(
      'verify a receipt file offline: signatures, hashes, proofs, verdicts, outcome and, with --trust, the consensus',
    )
    .argument('<file>', "receipt file ('-' for stdin)")
    .option(
      '--trust <file>',
      "consortium trust file: each organisation's CA certificates and the participant set",
    )
    .option(
      '--ca <file>',
      'PEM CA certificate(s) the requester certificate must be issued by (without --trust)',
    )
    .option(
      '--require-accepted',
      'also fail unless the outcome is accepted and the consensus proven (needs --trust)',
    )
    .action(async (file: string, options: VerifyOptions, command: Command) => {
      if (options.trust !== undefined && options.ca !== undefined) {
        throw new CliError(
          'USAGE',
          "--ca and --trust: give one; the trust file names the CAs of every organisation, the requester's among them",
          2,
        );
      }
      const trust =
        options.trust === undefined ? undefined : await readTrust(context, options.trust);
      const trusted =
        options.ca === undefined ? undefined : await readCertificates(context, options.ca);
      const text = await readInput(context, file);
      const verification = verifyReceiptText(text, {
        ...(trust ? { trust } : {}),
        ...(trusted ? { trustedCertificates: trusted } : {}),
      });
      const requirement = options.requireAccepted ? acceptance(verification) : undefined;
      printResult(
        context,
        command,
        requirement ? { ...verification, requireAccepted: requirement } : verification,
        () => describe(verification, requirement),
      );
      if (!verification.valid || (requirement && !requirement.ok)) {
        context.exitCode = 1;
      }
    });
}

/** `--require-accepted`: the receipt verifies, claims accepted, and proves it against the trust. */
function acceptance(verification: ReceiptVerification): { ok: boolean; detail: string } {
  if (!verification.valid) return { ok: false, detail: 'the receipt does not verify' };
  if (verification.status !== 'accepted') {
    return { ok: false, detail: `the outcome is ${verification.status ?? '?'}, not accepted` };
  }
  if (!verification.consensus.proven) {
    return { ok: false, detail: `the consensus is ${verification.consensus.detail}` };
  }
  return { ok: true, detail: 'accepted, and the consensus is proven' };
}

function describe(
  verification: ReceiptVerification,
  requirement: { ok: boolean; detail: string } | undefined,
): string {
  const lines = verification.checks.map(
    (check) => `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}`,
  );
  const { consensus } = verification;
  // Unproven is no failure of the receipt, unless acceptance was required.
  if (!verification.checks.some((check) => check.name === 'consensus')) {
    const mark = requirement && !requirement.ok ? 'FAIL' : '--  ';
    lines.push(`${mark}  consensus: ${consensus.detail}`);
  }
  const id = verification.blockId ?? '?';
  const status = verification.status ?? '?';
  if (!verification.valid) {
    lines.push('receipt INVALID');
  } else if (consensus.proven) {
    lines.push(`receipt valid: request ${id} is ${status}, and the consensus is proven`);
  } else {
    lines.push(`receipt valid: request ${id} is ${status}; consensus unproven`);
  }
  if (requirement && !requirement.ok) {
    lines.push(`not proven accepted: ${requirement.detail}`);
  }
  return lines.join('\n');
}

export function describeFailures(verification: ReceiptVerification): string {
  return verification.checks
    .filter((check) => !check.ok)
    .map((check) => `  ${check.name}: ${check.detail}`)
    .join('\n');
}

async function readTrust(context: CliContext, file: string): Promise<ConsortiumTrust> {
  try {
    // Relative paths in the trust file are read from its own folder.
    return await loadTrustFile(file, {
      readFile: (path) => context.cli.readFile(path),
    });
  } catch (error) {
    if (error instanceof TrustFileError) {
      throw new CliError('INVALID_TRUST_FILE', `--trust: ${error.message}`, 2);
    }
    throw error;
  }
}

async function readCertificates(context: CliContext, file: string): Promise<string[]> {
  const certificates = (await readInput(context, file)).match(certificatePem) ?? [];
  if (certificates.length === 0) {
    throw new CliError('USAGE', `--ca ${file}: no PEM certificate in the file`, 2);
  }
  return certificates;
}
