// The consortium trust file: what a receipt's verifier trusts about the consortium, read from JSON
// and validated with the project's JSON Schema validator (Ajv). Node only: it reads the CA
// certificate files a trust file names; the verifier itself takes the resolved ConsortiumTrust.
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import type { FromSchema } from 'json-schema-to-ts';
import { dirname, isAbsolute, join } from 'node:path';
import { nodeCrypto, type CryptoPort } from '@corroborate/protocol';
import type { ConsortiumTrust } from './model';

/** The format name a trust file carries. */
export const TRUST_FILE_FORMAT = 'corroborate-trust-v1';

const mspId = { type: 'string', minLength: 1, maxLength: 128 } as const;

/**
 * A trust file: `organisations` maps each MSP id to the CA certificates that issue its identities
 * (each entry PEM text, or the path of a PEM file relative to the trust file), and the consortium
 * is either `participants`, the expected participant set, or `minParticipants`, the fewest listed
 * organisations a block's snapshot must hold.
 */
export const trustFileSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'organisations'],
  properties: {
    format: { const: TRUST_FILE_FORMAT },
    organisations: {
      type: 'object',
      minProperties: 1,
      maxProperties: 100,
      propertyNames: mspId,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['caCertificates'],
        properties: {
          caCertificates: {
            type: 'array',
            minItems: 1,
            maxItems: 16,
            items: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    participants: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
      items: mspId,
    },
    minParticipants: { type: 'integer', minimum: 1, maximum: 100 },
  },
  oneOf: [{ required: ['participants'] }, { required: ['minParticipants'] }],
} as const;

export type TrustFile = FromSchema<typeof trustFileSchema>;

// The oneOf branches name properties defined beside them, which strictRequired would refuse.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validateTrustFile = ajv.compile<TrustFile>(trustFileSchema);

const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A trust file that cannot be used; the message names the file and what is wrong with it. */
export class TrustFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustFileError';
  }
}

export interface LoadTrustFileOptions {
  /** Reads a file's text: the trust file, and the certificate files it names. */
  readonly readFile: (path: string) => Promise<string>;
  /** Parses each certificate, to refuse a file that is not one (node:crypto unless given). */
  readonly crypto?: CryptoPort;
}

/**
 * Reads and validates a trust file and every certificate it names, and returns the trust it
 * states.
 *
 * @throws TrustFileError naming the file and each problem: not JSON, not the schema, an unlisted
 * participant, an unreadable certificate file, a PEM that is no certificate.
 */
export async function loadTrustFile(
  path: string,
  options: LoadTrustFileOptions,
): Promise<ConsortiumTrust> {
  let text: string;
  try {
    text = await options.readFile(path);
  } catch (error) {
    throw new TrustFileError(`trust file ${path}: cannot read it: ${(error as Error).message}`);
  }
  return parseTrustFile(text, { ...options, path });
}

/**
 * Validates a trust file's text; certificate paths are read relative to `path`'s folder.
 *
 * @throws TrustFileError as {@link loadTrustFile}.
 */
export async function parseTrustFile(
  text: string,
  options: LoadTrustFileOptions & { readonly path: string },
): Promise<ConsortiumTrust> {
  const { path } = options;
  const fail = (why: string): never => {
    throw new TrustFileError(`trust file ${path}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON: ${(error as Error).message}`);
  }
  if (!validateTrustFile(json)) {
    return fail(describe(validateTrustFile.errors ?? []));
  }
  const file = json;
  const unlisted = (file.participants ?? []).filter(
    (participant) => !Object.hasOwn(file.organisations, participant),
  );
  if (unlisted.length > 0) {
    fail(`/participants names ${unlisted.join(', ')}, which /organisations does not list`);
  }
  const crypto = options.crypto ?? nodeCrypto;
  const organisations: Record<string, string[]> = {};
  for (const [organisation, { caCertificates }] of Object.entries(file.organisations)) {
    const pems: string[] = [];
    for (const [index, entry] of caCertificates.entries()) {
      const where = `/organisations/${organisation}/caCertificates/${index}`;
      const source = entry.includes('-----BEGIN') ? entry : await readRelative(entry, where);
      const found = source.match(certificatePem) ?? [];
      if (found.length === 0) fail(`${where}: holds no PEM certificate`);
      for (const pem of found) {
        try {
          crypto.parseCertificate(pem);
        } catch {
          fail(`${where}: a PEM block that is not an X.509 certificate`);
        }
        pems.push(pem);
      }
    }
    organisations[organisation] = pems;
  }
  return {
    organisations,
    ...(file.participants === undefined
      ? { minParticipants: file.minParticipants }
      : { participants: file.participants }),
  };

  async function readRelative(entry: string, where: string): Promise<string> {
    const target = isAbsolute(entry) ? entry : join(dirname(path), entry);
    try {
      return await options.readFile(target);
    } catch (error) {
      return fail(`${where}: cannot read ${target}: ${(error as Error).message}`);
    }
  }
}

function describe(errors: readonly ErrorObject[]): string {
  // oneOf over the two ways of naming the consortium reports each branch; say it once.
  const messages = errors.map((error) => {
    const where = error.instancePath || '(root)';
    if (error.keyword === 'oneOf') {
      return `${where} must give exactly one of participants and minParticipants`;
    }
    if (error.keyword === 'additionalProperties') {
      return `${where} has unknown field '${String(error.params.additionalProperty)}'`;
    }
    if (error.keyword === 'required' && error.schemaPath.startsWith('#/oneOf')) {
      return undefined;
    }
    return `${where} ${error.message ?? 'is invalid'}`;
  });
  return [...new Set(messages.filter((message) => message !== undefined))].slice(0, 10).join('; ');
}
