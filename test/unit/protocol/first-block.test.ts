import { expect } from 'chai';
import type { FirstBlockContent } from '@corroborate/protocol';
import {
  batchRoot,
  canonicalRecord,
  hashRecord,
  LIMITS,
  parseFirstBlockContent,
  RuleError,
  saltsFromSeed,
  SCHEME_V2,
  sha256Hex,
} from '@corroborate/protocol';

function newContent(recordCount = 2, hashOnly = false): FirstBlockContent {
  const records = Array.from({ length: recordCount }, (_, index) => {
    const data = canonicalRecord(
      {
        id: BigInt(index),
        name: `customer ${index}`,
        balance: '10.50',
        updated: '2024-03-01 10:00:00+02',
      },
      { id: 'number', name: 'text', balance: 'number', updated: 'timestamp' },
    );
    const { recordHash, fieldHashes } = hashRecord(data);
    return {
      read: {
        kind: 'sql' as const,
        table: 'customers',
        key: { id: index },
        columns: ['id', 'name', 'balance', 'updated'],
      },
      recordHash,
      fieldHashes,
      ...(hashOnly ? {} : { data }),
    };
  });
  return {
    id: 'batch-2024.03:01',
    scheme: 'corroborate-v1',
    mode: 'parallel',
    hashOnly,
    deadline: '2030-01-01T00:00:00.000Z',
    requester: { mspId: 'Org1MSP', certFingerprint: sha256Hex('certificate') },
    interface: { sourceId: 'crm', connector: 'postgres' },
    records,
    batchRoot: batchRoot(records.map((record) => record.recordHash)),
  };
}

// Round-trips through JSON, as the contract receives it.
function asJson(content: unknown): unknown {
  return JSON.parse(JSON.stringify(content));
}

type Path = readonly (string | number)[];

/** A JSON copy of `content` with the value at `path` replaced, or removed when `value` is omitted. */
function withValue(content: unknown, path: Path, ...value: [unknown?]): unknown {
  const copy = asJson(content);
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) {
    parent = parent[step] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (value.length === 0) {
    delete parent[last];
  } else {
    parent[last] = value[0];
  }
  return copy;
}

function refusal(path: Path, ...value: [unknown?]): () => unknown {
  const content = withValue(newContent(2), path, ...value);
  return () => parseFirstBlockContent(content);
}

function hashOnlyRefusal(path: Path, ...value: [unknown?]): () => unknown {
  const content = withValue(newContent(2, true), path, ...value);
  return () => parseFirstBlockContent(content);
}

function httpContent(path: string, pointer: string): unknown {
  const content = withValue(newContent(1), ['interface', 'connector'], 'http');
  return withValue(content, ['records', 0, 'read'], { kind: 'http', path, pointer });
}

describe('parseFirstBlockContent', () => {
  it('returns a valid first block unchanged', () => {
    for (const hashOnly of [false, true]) {
      const content = asJson(newContent(3, hashOnly));
      expect(parseFirstBlockContent(content)).to.deep.equal(content);
    }
  });

  it('accepts an http read from an http source', () => {
    const content = httpContent('/customers/1?fields=all', '/data/0');
    expect(parseFirstBlockContent(content)).to.deep.equal(content);
  });

  it('refuses unknown fields at every level with their JSON path', () => {
    expect(refusal(['extra'], 1)).to.throw(RuleError, /^INVALID_ARGUMENT: extra: unknown field$/);
    expect(refusal(['requester', 'role'], 'admin')).to.throw(
      /^INVALID_ARGUMENT: requester\.role: unknown field$/,
    );
    expect(refusal(['records', 1, 'read', 'where'], '1=1')).to.throw(
      /^INVALID_ARGUMENT: records\[1\]\.read\.where: unknown field$/,
    );
    expect(refusal(['records', 0, 'note'], 'x')).to.throw(
      /^INVALID_ARGUMENT: records\[0\]\.note: unknown field$/,
    );
  });

  it('refuses missing and malformed fields', () => {
    const cases: [Path, unknown[], RegExp][] = [
      [['deadline'], [], /^INVALID_ARGUMENT: deadline: is required$/],
      [['id'], ['-starts-with-dash'], /^INVALID_ARGUMENT: id: /],
      [['id'], ['x'.repeat(129)], /^INVALID_ARGUMENT: id: /],
      [['mode'], ['serial'], /^INVALID_ARGUMENT: mode: /],
      [['hashOnly'], ['false'], /^INVALID_ARGUMENT: hashOnly: /],
      [['deadline'], ['2030-01-01T00:00:00+02:00'], /^INVALID_ARGUMENT: deadline: /],
      [['deadline'], ['2030-02-30T00:00:00Z'], /^INVALID_ARGUMENT: deadline: /],
      [['requester', 'certFingerprint'], ['AB'], /^INVALID_ARGUMENT: requester\.certFingerprint: /],
      [['interface', 'sourceId'], ['CRM'], /^INVALID_ARGUMENT: interface\.sourceId: /],
      [['interface', 'connector'], ['oracle'], /^INVALID_ARGUMENT: interface\.connector: /],
      [['records'], [[]], /^INVALID_ARGUMENT: records: must have 1\.\.1000 items/],
      [
        ['records', 0, 'read', 'table'],
        ['customers; drop'],
        /^INVALID_ARGUMENT: records\[0\]\.read\.table: /,
      ],
      [['records', 0, 'read', 'key'], [{}], /^INVALID_ARGUMENT: records\[0\]\.read\.key: /],
      [
        ['records', 0, 'read', 'key'],
        [{ id: { $gt: 1 } }],
        /^INVALID_ARGUMENT: records\[0\]\.read\.key\.id: /,
      ],
      [
        ['records', 0, 'read', 'columns'],
        [['id', 'id']],
        /^INVALID_ARGUMENT: records\[0\]\.read\.columns: /,
      ],
      [
        ['records', 0, 'read', 'columns'],
        [['1id']],
        /^INVALID_ARGUMENT: records\[0\]\.read\.columns\[0\]: /,
      ],
      [
        ['records', 0, 'read', 'kind'],
        ['http'],
        /^INVALID_ARGUMENT: records\[0\]\.read\.kind: must be 'sql'/,
      ],
      [
        ['records', 0, 'data', 'id'],
        [{ t: 'number', v: '01' }],
        /^INVALID_ARGUMENT: records\[0\]\.data\.id: is not a canonical value$/,
      ],
      [
        ['records', 0, 'data'],
        [],
        /^INVALID_ARGUMENT: records\[0\]\.data: is required when hashOnly is false$/,
      ],
    ];
    for (const [path, value, expected] of cases) {
      expect(refusal(path, ...(value as [unknown?])), path.join('.')).to.throw(RuleError, expected);
    }
  });

  it('refuses http paths that could leave the source', () => {
    for (const path of [
      'customers',
      '//evil.example/x',
      '/a/../b',
      'https://x/y',
      '/a b',
      '/a\\b',
    ]) {
      expect(() => parseFirstBlockContent(httpContent(path, '')), path).to.throw(
        /^INVALID_ARGUMENT: records\[0\]\.read\.path: /,
      );
    }
  });

  it('refuses data in a hash-only block', () => {
    expect(hashOnlyRefusal(['records', 0, 'data'], { a: { t: 'null' } })).to.throw(
      /^INVALID_ARGUMENT: records\[0\]\.data: must be absent when hashOnly is true$/,
    );
  });

  it('refuses another scheme with UNSUPPORTED_SCHEME', () => {
    for (const scheme of ['corroborate-v0', 'corroborate-v3', 'CORROBORATE-V2', 7]) {
      expect(refusal(['scheme'], scheme), String(scheme)).to.throw(
        RuleError,
        /^UNSUPPORTED_SCHEME: scheme: must be one of 'corroborate-v1', 'corroborate-v2'$/,
      );
    }
  });

  describe('corroborate-v2', () => {
    const seed = sha256Hex('seed');

    function salted(hashOnly: boolean, blockSeed = seed): FirstBlockContent {
      const content = newContent(3, false);
      const salts = saltsFromSeed(blockSeed);
      const records = content.records.map((record, index) => {
        const { recordHash, fieldHashes } = hashRecord(record.data!, salts(index));
        return { ...record, recordHash, fieldHashes, ...(hashOnly ? { data: undefined } : {}) };
      });
      return asJson({
        ...content,
        scheme: SCHEME_V2,
        hashOnly,
        records,
        batchRoot: batchRoot(records.map((record) => record.recordHash)),
      }) as FirstBlockContent;
    }

    it('checks a block with data against the salts of its seed', () => {
      const content = salted(false);
      expect(parseFirstBlockContent(content, saltsFromSeed(seed))).to.deep.equal(content);
      expect(() => parseFirstBlockContent(content, saltsFromSeed(sha256Hex('other')))).to.throw(
        /^INVALID_ARGUMENT: records\[0\]\.recordHash: does not match data$/,
      );
    });

    it('refuses a block with data given no salts: its hashes cannot be checked', () => {
      expect(() => parseFirstBlockContent(salted(false))).to.throw(
        RuleError,
        /^INVALID_ARGUMENT: saltSeed: a corroborate-v2 block with data needs its salt seed/,
      );
    });

    it('checks a hash-only block without salts: its field hashes give its record hashes', () => {
      const content = salted(true);
      expect(parseFirstBlockContent(content)).to.deep.equal(content);
      const tampered = withValue(content, ['records', 1, 'fieldHashes', 'name'], sha256Hex('x'));
      expect(() => parseFirstBlockContent(tampered)).to.throw(
        /^INVALID_ARGUMENT: records\[1\]\.recordHash: does not match fieldHashes$/,
      );
    });

    it('refuses v1 field hashes under v2: unsalted leaves are not the salted ones', () => {
      const content = { ...(asJson(newContent(3, false)) as FirstBlockContent), scheme: SCHEME_V2 };
      expect(() => parseFirstBlockContent(content, saltsFromSeed(seed))).to.throw(
        /^INVALID_ARGUMENT: records\[0\]\.recordHash: does not match data$/,
      );
    });
  });

  it('refuses hashes that do not agree with the data, the field hashes or the batch', () => {
    expect(refusal(['records', 1, 'data', 'name'], { t: 'text', v: 'someone else' })).to.throw(
      /^INVALID_ARGUMENT: records\[1\]\.recordHash: does not match data$/,
    );
    expect(refusal(['records', 1, 'fieldHashes', 'name'], sha256Hex('forged'))).to.throw(
      /^INVALID_ARGUMENT: records\[1\]\.fieldHashes\.name: does not match data$/,
    );
    expect(hashOnlyRefusal(['records', 1, 'fieldHashes', 'name'], sha256Hex('forged'))).to.throw(
      /^INVALID_ARGUMENT: records\[1\]\.recordHash: does not match fieldHashes$/,
    );
    expect(refusal(['batchRoot'], sha256Hex('forged'))).to.throw(
      /^INVALID_ARGUMENT: batchRoot: does not match the record hashes$/,
    );
    expect(refusal(['records'], [...newContent(2).records].reverse())).to.throw(
      /^INVALID_ARGUMENT: batchRoot: /,
    );
  });

  it('refuses more than 1000 records', () => {
    const [record] = newContent(1, true).records;
    const records = Array.from({ length: LIMITS.maxRecords + 1 }, () => record);
    expect(refusal(['records'], records)).to.throw(/^INVALID_ARGUMENT: records: /);
  });

  it('refuses content larger than 4 MiB with PAYLOAD_TOO_LARGE', () => {
    const data = canonicalRecord({ blob: 'x'.repeat(LIMITS.maxContentBytes) });
    const { recordHash, fieldHashes } = hashRecord(data);
    const [record] = newContent(1).records;
    let content = withValue(
      newContent(1),
      ['records'],
      [{ ...record, data, recordHash, fieldHashes }],
    );
    content = withValue(content, ['batchRoot'], batchRoot([recordHash]));
    expect(() => parseFirstBlockContent(content)).to.throw(RuleError, /^PAYLOAD_TOO_LARGE: /);
  });

  it('accepts a batch of the largest size, 1000 records', () => {
    const content = asJson(newContent(LIMITS.maxRecords));
    expect(parseFirstBlockContent(content).records).to.have.length(LIMITS.maxRecords);
  });
});
