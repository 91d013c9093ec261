import { expect } from 'chai';
import {
  ABSTENTION_REASONS,
  EVIDENCE_REASONS,
  LIMITS,
  maxVerdictSignatureChars,
  parseVerdictBody,
  parseVerdictInput,
  resultOfReason,
  RuleError,
  sha256Hex,
  VERDICT_REASONS,
} from '@corroborate/protocol';

const observedHash = sha256Hex('batch');

describe('parseVerdictBody', () => {
  it('names observedHash when it is not text', () => {
    expect(() =>
      parseVerdictBody({ result: 'valid', observedHash: 7, reason: 'OK', attempts: 1 }),
    ).to.throw(/^INVALID_ARGUMENT: observedHash: /);
  });

  it('accepts a valid verdict and an invalid one with failed records', () => {
    const valid = { result: 'valid', observedHash, reason: 'OK', attempts: 1 };
    expect(parseVerdictBody(valid)).to.deep.equal(valid);
    const invalid = {
      result: 'invalid',
      observedHash: '',
      reason: 'HASH_MISMATCH',
      attempts: 3,
      failedRecords: [0, 4],
    };
    expect(parseVerdictBody(invalid, 5)).to.deep.equal(invalid);
  });

  it('refuses an invalid or unverifiable verdict that carries a hash of what was read', () => {
    for (const [result, reason] of [
      ['invalid', 'HASH_MISMATCH'],
      ['invalid', 'RECORD_NOT_FOUND'],
      ['unverifiable', 'SOURCE_UNAVAILABLE'],
    ] as const) {
      expect(() =>
        parseVerdictBody({ result, observedHash, reason, attempts: 3, failedRecords: [0] }),
      ).to.throw(
        RuleError,
        `INVALID_ARGUMENT: observedHash: must be '' for an ${result} verdict: only a valid verdict carries the root it observed`,
      );
    }
  });

  it('accepts an abstention: unverifiable with its reason, having observed nothing whole', () => {
    for (const reason of ABSTENTION_REASONS) {
      const unread = {
        result: 'unverifiable',
        observedHash: '',
        reason,
        attempts: 900,
        failedRecords: [0, 1],
      };
      expect(parseVerdictBody(unread, 2)).to.deep.equal(unread);
    }
  });

  it('gives every reason exactly one result: OK valid, evidence invalid, an abstention unverifiable', () => {
    const all = ['OK', ...EVIDENCE_REASONS, ...ABSTENTION_REASONS];
    expect([...all].sort()).to.deep.equal([...VERDICT_REASONS].sort());
    expect(new Set(all).size).to.equal(all.length);
    expect(resultOfReason('OK')).to.equal('valid');
    for (const reason of EVIDENCE_REASONS) expect(resultOfReason(reason)).to.equal('invalid');
    for (const reason of ABSTENTION_REASONS) {
      expect(resultOfReason(reason)).to.equal('unverifiable');
    }
  });

  it('refuses an outage recorded as evidence, and evidence recorded as an abstention', () => {
    for (const reason of ABSTENTION_REASONS) {
      expect(() =>
        parseVerdictBody({ result: 'invalid', observedHash: '', reason, attempts: 4 }),
      ).to.throw(RuleError, /^INVALID_ARGUMENT: reason: .* is no evidence against the record/);
    }
    for (const reason of EVIDENCE_REASONS) {
      expect(() =>
        parseVerdictBody({ result: 'unverifiable', observedHash: '', reason, attempts: 1 }),
      ).to.throw(RuleError, /^INVALID_ARGUMENT: reason: .* is evidence against the record/);
    }
    expect(() =>
      parseVerdictBody({ result: 'unverifiable', observedHash: '', reason: 'OK', attempts: 1 }),
    ).to.throw(RuleError, /^INVALID_ARGUMENT: reason: must not be 'OK' for an unverifiable/);
    expect(() =>
      parseVerdictBody({
        result: 'unverifiable',
        observedHash,
        reason: 'SOURCE_UNAVAILABLE',
        attempts: 1,
      }),
    ).to.throw(RuleError, /^INVALID_ARGUMENT: observedHash: must be '' for an unverifiable/);
    expect(() =>
      parseVerdictBody({ result: 'invalid', observedHash, reason: 'HASH_MISMATCH', attempts: 1 }),
    ).to.throw(RuleError, /^INVALID_ARGUMENT: observedHash: must be '' for an invalid/);
  });

  it('refuses inconsistent and malformed verdicts with the offending field', () => {
    const base = { result: 'invalid', observedHash: '', reason: 'HASH_MISMATCH', attempts: 1 };
    const cases: [unknown, RegExp][] = [
      [null, /^INVALID_ARGUMENT: \$: must be an object$/],
      [{ ...base, extra: true }, /^INVALID_ARGUMENT: extra: unknown field$/],
      [{ ...base, result: 'valid' }, /^INVALID_ARGUMENT: reason: must be 'OK'/],
      [{ ...base, reason: 'OK' }, /^INVALID_ARGUMENT: reason: must not be 'OK'/],
      [{ ...base, result: 'abstain' }, /^INVALID_ARGUMENT: result: must be one of/],
      [{ ...base, reason: 'TIMEOUT' }, /^INVALID_ARGUMENT: reason: must be one of/],
      [
        { ...base, result: 'valid', reason: 'OK', observedHash: '' },
        /^INVALID_ARGUMENT: observedHash: is required for a valid verdict$/,
      ],
      [
        { ...base, observedHash: observedHash.toUpperCase() },
        /^INVALID_ARGUMENT: observedHash: must be 64 lowercase hex digits or ''$/,
      ],
      [{ ...base, attempts: 0 }, /^INVALID_ARGUMENT: attempts: /],
      [{ ...base, attempts: LIMITS.maxAttempts + 1 }, /^INVALID_ARGUMENT: attempts: /],
      [{ ...base, attempts: 1.5 }, /^INVALID_ARGUMENT: attempts: /],
      [
        { ...base, failedRecords: [2, 1] },
        /^INVALID_ARGUMENT: failedRecords\[1\]: indices must be ascending and unique$/,
      ],
      [{ ...base, failedRecords: 'x' }, /^INVALID_ARGUMENT: failedRecords: /],
      [
        {
          ...base,
          failedRecords: [0],
          differingFields: [{ record: LIMITS.maxRecords, fields: ['id'] }],
        },
        /^INVALID_ARGUMENT: differingFields\[0\]\.record: /,
      ],
      [{ ...base, failedRecords: [1, 1] }, /^INVALID_ARGUMENT: failedRecords\[1\]: /],
      [{ ...base, failedRecords: [-1] }, /^INVALID_ARGUMENT: failedRecords\[0\]: /],
      [
        { result: 'valid', observedHash, reason: 'OK', attempts: 1, failedRecords: [0] },
        /^INVALID_ARGUMENT: failedRecords: must be empty for a valid verdict$/,
      ],
    ];
    for (const [input, expected] of cases) {
      expect(() => parseVerdictBody(input), JSON.stringify(input)).to.throw(RuleError, expected);
    }
  });

  it('accepts a valid verdict with an empty list of failed records', () => {
    const valid = { result: 'valid', observedHash, reason: 'OK', attempts: 1, failedRecords: [] };
    expect(parseVerdictBody(valid)).to.deep.equal(valid);
  });

  it('keeps the fields a participant names for its failed records', () => {
    const verdict = {
      result: 'invalid',
      observedHash: '',
      reason: 'HASH_MISMATCH',
      attempts: 2,
      failedRecords: [0, 2],
      differingFields: [
        { record: 0, fields: ['balance', 'name'] },
        { record: 2, fields: ['id'] },
      ],
    };
    expect(parseVerdictBody(verdict, 3)).to.deep.equal(verdict);
  });

  it('refuses differing fields that name no failed record or are out of order', () => {
    const base = {
      result: 'invalid',
      observedHash: '',
      reason: 'HASH_MISMATCH',
      attempts: 1,
      failedRecords: [1, 3],
    };
    const cases: [unknown, RegExp][] = [
      [
        { ...base, differingFields: [{ record: 2, fields: ['a'] }] },
        /differingFields\[0\]\.record: /,
      ],
      [
        {
          ...base,
          differingFields: [
            { record: 3, fields: ['a'] },
            { record: 1, fields: ['a'] },
          ],
        },
        /differingFields\[1\]\.record: /,
      ],
      [{ ...base, differingFields: [{ record: 1, fields: [] }] }, /differingFields\[0\]\.fields: /],
      [
        { ...base, differingFields: [{ record: 1, fields: ['b', 'a'] }] },
        /differingFields\[0\]\.fields\[1\]: names must be unique/,
      ],
      [
        { ...base, differingFields: [{ record: 1, fields: [''] }] },
        /fields\[0\]: must be a field name/,
      ],
      [{ ...base, differingFields: [{ record: 1 }] }, /differingFields\[0\]\.fields: is required/],
      [
        { ...base, failedRecords: undefined, differingFields: [{ record: 1, fields: ['a'] }] },
        /^INVALID_ARGUMENT: differingFields: must have 0\.\.0 items/,
      ],
    ];
    for (const [input, expected] of cases) {
      expect(() => parseVerdictBody(input), JSON.stringify(input)).to.throw(RuleError, expected);
    }
  });

  it('refuses failed record indices beyond the batch', () => {
    const verdict = {
      result: 'invalid',
      observedHash: '',
      reason: 'RECORD_NOT_FOUND',
      attempts: 1,
      failedRecords: [3],
    };
    expect(() => parseVerdictBody(verdict, 3)).to.throw(/^INVALID_ARGUMENT: failedRecords\[0\]: /);
    expect(parseVerdictBody(verdict, 4).failedRecords).to.deep.equal([3]);
  });
});

describe('parseVerdictInput', () => {
  const body = { result: 'valid', observedHash, reason: 'OK', attempts: 1 };
  const signature = Buffer.alloc(71, 7).toString('base64');

  it('takes the body and its signature', () => {
    expect(parseVerdictInput({ ...body, signature })).to.deep.equal({ ...body, signature });
  });

  it('refuses a verdict without a signature, or one that is not base64 of a bounded length', () => {
    const cases: [unknown, string][] = [
      [body, 'INVALID_ARGUMENT: signature: is required'],
      [{ ...body, signature: 7 }, 'INVALID_ARGUMENT: signature: must be a string'],
      ...['', 'not base64!', 'A'.repeat(maxVerdictSignatureChars + 4)].map(
        (bad): [unknown, string] => [
          { ...body, signature: bad },
          `INVALID_ARGUMENT: signature: must be standard base64 of 1..${maxVerdictSignatureChars} characters`,
        ],
      ),
    ];
    for (const [input, message] of cases) {
      expect(() => parseVerdictInput(input), JSON.stringify(input)).to.throw(RuleError, message);
    }
  });

  it('checks the body by the same rules', () => {
    expect(() =>
      parseVerdictInput({ ...body, result: 'invalid', reason: 'HASH_MISMATCH', signature }),
    ).to.throw(RuleError, /^INVALID_ARGUMENT: observedHash: must be '' for an invalid verdict/);
  });
});
