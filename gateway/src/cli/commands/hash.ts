import {
  batchRoot,
  canonicalRecord,
  FIELD_TYPES,
  fieldTypeFromDeclared,
  hashRecord,
  isFieldType,
  isSaltHex,
  saltsFromSeed,
  SCHEME_V1,
  SCHEME_V2,
  type BlockSalts,
  type FieldType,
  type RecordHashes,
} from '@corroborate/protocol';
import type { Command } from 'commander';
import { CliError } from '../environment';
import { readInput } from '../input';
import { collect, formatRows, printResult, type CliContext } from '../output';

/** `hash`: what the agreed rule makes of a record, to compare with a first block by hand. */
export function addHashCommand(program: Command, context: CliContext): void {
  program
    .command('hash')
    .description(
      `hash a JSON record (or an array of records) by the agreed rule: ${SCHEME_V1}, or ${SCHEME_V2} with --seed`,
    )
    .argument('[file]', "JSON file ('-' or none for stdin)", '-')
    .option(
      '--types <column=type>',
      `field types, comma-separated or repeated; a type is one of ${FIELD_TYPES.join(', ')} or a declared SQL type`,
      collect,
      [],
    )
    .option(
      '--seed <hex>',
      `a first block's saltSeed: hash by ${SCHEME_V2}, each field salted (an array's records are records 0, 1, …)`,
    )
    .option('--record <index>', 'with --seed, the index in its block of a single record', '0')
    .action(
      async (
        file: string,
        options: { types: string[]; seed?: string; record: string },
        command: Command,
      ) => {
        const types = parseTypes(options.types);
        const salts = saltsOf(options.seed);
        const scheme = salts === undefined ? SCHEME_V1 : SCHEME_V2;
        const single = parseRecordIndex(options.record);
        const text = await readInput(context, file);
        let input: unknown;
        try {
          input = JSON.parse(text);
        } catch (error) {
          throw new CliError('INVALID_JSON', `${file}: not JSON: ${(error as Error).message}`);
        }
        const hashOne = (record: unknown, where: string, index: number): RecordHashes => {
          if (typeof record !== 'object' || record === null || Array.isArray(record)) {
            throw new CliError('INVALID_JSON', `${where}: a record is a JSON object`);
          }
          try {
            return hashRecord(
              canonicalRecord(record as Record<string, unknown>, types),
              salts?.(index),
            );
          } catch (error) {
            throw new CliError('INVALID_VALUE', `${where}: ${(error as Error).message}`);
          }
        };
        if (Array.isArray(input)) {
          if (input.length === 0) throw new CliError('INVALID_JSON', `${file}: no records`);
          const records = input.map((record, index) => hashOne(record, `[${index}]`, index));
          const root = batchRoot(records.map((record) => record.recordHash));
          printResult(context, command, { scheme, batchRoot: root, records }, () =>
            [
              formatRows([
                ['scheme', scheme],
                ['batchRoot', root],
              ]),
              ...records.map((record, index) => `[${index}]\n${describeHashes(record, '  ')}`),
            ].join('\n'),
          );
          return;
        }
        const hashes = hashOne(input, file === '-' ? 'stdin' : file, single);
        printResult(context, command, hashes, () => describeHashes(hashes, ''));
      },
    );
}

function saltsOf(seed: string | undefined): BlockSalts | undefined {
  if (seed === undefined) return undefined;
  if (!isSaltHex(seed)) {
    throw new CliError('USAGE', '--seed: a saltSeed is 64 lowercase hex digits', 2);
  }
  return saltsFromSeed(seed);
}

function parseRecordIndex(text: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(text)) {
    throw new CliError('USAGE', `--record ${text}: a record index is an integer from 0`, 2);
  }
  return Number(text);
}

function describeHashes(hashes: RecordHashes, indent: string): string {
  return [
    formatRows(
      [
        ['scheme', hashes.scheme],
        ['recordHash', hashes.recordHash],
      ],
      indent,
    ),
    `${indent}fieldHashes`,
    formatRows(Object.entries(hashes.fieldHashes), `${indent}  `),
  ].join('\n');
}

function parseTypes(specs: readonly string[]): Record<string, FieldType> {
  const types: Record<string, FieldType> = {};
  for (const spec of specs.flatMap((each) => splitTypes(each))) {
    const match = /^([^=]+)=(.+)$/s.exec(spec);
    const name = match?.[1]?.trim();
    const declared = match?.[2]?.trim() ?? '';
    const type = isFieldType(declared) ? declared : fieldTypeFromDeclared(declared);
    if (!name || type === undefined) {
      throw new CliError(
        'USAGE',
        `--types ${spec}: expected column=type with a type among ${FIELD_TYPES.join(', ')} or an SQL type`,
        2,
      );
    }
    Object.defineProperty(types, name, { value: type, enumerable: true });
  }
  return types;
}

/** Splits on commas outside parentheses, so that 'a=NUMERIC(10,2),b=text' is two types. */
function splitTypes(spec: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of spec) {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  return [...parts, current].filter((part) => part.trim() !== '');
}
