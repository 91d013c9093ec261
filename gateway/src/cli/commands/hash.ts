import {
  batchRoot,
  canonicalRecord,
  FIELD_TYPES,
  fieldTypeFromDeclared,
  hashRecord,
  isFieldType,
  SCHEME,
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
    .description('hash a JSON record (or an array of records) by the agreed rule')
    .argument('[file]', "JSON file ('-' or none for stdin)", '-')
    .option(
      '--types <column=type>',
      `field types, comma-separated or repeated; a type is one of ${FIELD_TYPES.join(', ')} or a declared SQL type`,
      collect,
      [],
    )
    .action(async (file: string, options: { types: string[] }, command: Command) => {
      const types = parseTypes(options.types);
      const text = await readInput(context, file);
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw new CliError('INVALID_JSON', `${file}: not JSON: ${(error as Error).message}`);
      }
      const hashOne = (record: unknown, where: string): RecordHashes => {
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          throw new CliError('INVALID_JSON', `${where}: a record is a JSON object`);
        }
        try {
          return hashRecord(canonicalRecord(record as Record<string, unknown>, types));
        } catch (error) {
          throw new CliError('INVALID_VALUE', `${where}: ${(error as Error).message}`);
        }
      };
      if (Array.isArray(input)) {
        if (input.length === 0) throw new CliError('INVALID_JSON', `${file}: no records`);
        const records = input.map((record, index) => hashOne(record, `[${index}]`));
        const root = batchRoot(records.map((record) => record.recordHash));
        printResult(context, command, { scheme: SCHEME, batchRoot: root, records }, () =>
          [
            formatRows([
              ['scheme', SCHEME],
              ['batchRoot', root],
            ]),
            ...records.map((record, index) => `[${index}]\n${describeHashes(record, '  ')}`),
          ].join('\n'),
        );
        return;
      }
      const hashes = hashOne(input, file === '-' ? 'stdin' : file);
      printResult(context, command, hashes, () => describeHashes(hashes, ''));
    });
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
