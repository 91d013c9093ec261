import { expect } from 'chai';
import {
  ATTESTATION_SIGNATURE_CONTEXT,
  attestationSigningPayload,
  parseAttestationInput,
  parseRecheckRound,
  RuleError,
} from '@corroborate/protocol';

const signature = 'MEUCIQDn0m1n9hZ3Q6j2bL0cxO1kQ6f1Q1m4aN3f6Z8u9y2hAiB=';

function refusal(json: unknown, recordCount?: number): string {
  try {
    parseAttestationInput(json, recordCount);
  } catch (error) {
    expect(error).to.be.instanceOf(RuleError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('re-verification attestations in the protocol', () => {
  it('signs the canonical JSON of the context, the block, the round and the whole attestation', () => {
    const payload = attestationSigningPayload(
      { blockId: 'req-1', contentHash: 'ab'.repeat(32), round: 3, participant: 'Org2MSP' },
      {
        result: 'drifted',
        reason: 'HASH_MISMATCH',
        differingFields: [{ record: 1, fields: ['balance', 'name'] }],
      },
    );
    expect(ATTESTATION_SIGNATURE_CONTEXT).to.equal('corroborate-attestation-v1');
    expect(payload).to.equal(
      '{"attestation":{"differingFields":[{"fields":["balance","name"],"record":1}],' +
        '"participant":"Org2MSP","reason":"HASH_MISMATCH","result":"drifted"},' +
        `"block":{"contentHash":"${'ab'.repeat(32)}","id":"req-1"},` +
        '"context":"corroborate-attestation-v1","round":3}',
    );
  });

  it('accepts each result with its own reasons only', () => {
    expect(
      parseAttestationInput({ result: 'matches', reason: 'OK', differingFields: [], signature }),
    ).to.deep.equal({ result: 'matches', reason: 'OK', differingFields: [], signature });
    const drifted = {
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields: [
        { record: 0, fields: ['balance'] },
        { record: 2, fields: ['id', 'name'] },
      ],
      signature,
    };
    expect(parseAttestationInput(drifted, 3)).to.deep.equal(drifted);
    for (const reason of ['RECORD_NOT_FOUND', 'READ_REFUSED', 'SOURCE_UNAVAILABLE', 'INTERNAL']) {
      expect(
        parseAttestationInput({ result: 'unreadable', reason, differingFields: [], signature }),
      ).to.include({ result: 'unreadable', reason });
    }
    for (const [result, reason] of [
      ['matches', 'HASH_MISMATCH'],
      ['drifted', 'OK'],
      ['drifted', 'SOURCE_UNAVAILABLE'],
      ['unreadable', 'OK'],
      ['unreadable', 'HASH_MISMATCH'],
    ]) {
      expect(
        refusal({ result, reason, differingFields: [], signature }),
        `${result}/${reason}`,
      ).to.equal(`INVALID_ARGUMENT: reason: ${reason} is not a reason of a ${result} attestation`);
    }
  });

  it('refuses malformed differing fields by their path', () => {
    const drifted = (differingFields: unknown) => ({
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields,
      signature,
    });
    expect(
      refusal(
        drifted([
          { record: 2, fields: ['a'] },
          { record: 2, fields: ['b'] },
        ]),
      ),
    ).to.equal('INVALID_ARGUMENT: differingFields[1].record: records must be ascending and unique');
    expect(refusal(drifted([{ record: 0, fields: ['a', ''] }]))).to.equal(
      'INVALID_ARGUMENT: differingFields[0].fields[1]: must be a field name',
    );
    expect(refusal(drifted([{ record: 0, fields: ['b', 'a'] }]))).to.equal(
      "INVALID_ARGUMENT: differingFields[0].fields[1]: names must be unique and in the rule's order",
    );
    expect(refusal(drifted([{ record: 0, fields: ['a', 'a'] }]))).to.equal(
      "INVALID_ARGUMENT: differingFields[0].fields[1]: names must be unique and in the rule's order",
    );
    expect(refusal(drifted([{ record: 0, fields: [] }]))).to.match(
      /^INVALID_ARGUMENT: differingFields\[0\]\.fields: /,
    );
    expect(refusal(drifted([]))).to.match(/^INVALID_ARGUMENT: differingFields: /);
    expect(
      refusal({
        result: 'matches',
        reason: 'OK',
        differingFields: [{ record: 0, fields: ['a'] }],
        signature,
      }),
    ).to.match(/^INVALID_ARGUMENT: differingFields: /);
    expect(refusal(drifted([{ record: 3, fields: ['a'] }]), 3)).to.match(
      /^INVALID_ARGUMENT: differingFields\[0\]\.record: /,
    );
  });

  it('refuses a signature that is not standard base64 of 1..200 characters, and unknown fields', () => {
    const why = 'INVALID_ARGUMENT: signature: must be standard base64 of 1..200 characters';
    const matches = (value: unknown) => ({
      result: 'matches',
      reason: 'OK',
      differingFields: [],
      signature: value,
    });
    for (const bad of ['', 'not base64!', `${signature}\n`, `x${signature}`, 'A'.repeat(204)]) {
      expect(refusal(matches(bad)), bad).to.equal(why);
    }
    expect(parseAttestationInput(matches('A'.repeat(200))).signature).to.have.length(200);
    expect(refusal(matches(7))).to.match(/^INVALID_ARGUMENT: signature: /);
    expect(refusal({ ...matches(signature), extra: 1 })).to.match(/^INVALID_ARGUMENT: extra: /);
    expect(refusal({ ...matches(signature), result: 'maybe' })).to.match(
      /^INVALID_ARGUMENT: result: /,
    );
    expect(refusal({ ...matches(signature), reason: 'NOPE' })).to.match(
      /^INVALID_ARGUMENT: reason: /,
    );
  });

  it('reads a round number from 1 to 1 000 000, naming the given path', () => {
    expect(parseRecheckRound(1)).to.equal(1);
    expect(parseRecheckRound(1_000_000)).to.equal(1_000_000);
    for (const bad of [0, 1_000_001, 1.5, '2']) {
      expect(() => parseRecheckRound(bad), String(bad))
        .to.throw(RuleError)
        .with.property('message')
        .that.matches(/^INVALID_ARGUMENT: round: /);
    }
    expect(() => parseRecheckRound(0, 'rounds[2]'))
      .to.throw(RuleError)
      .with.property('message')
      .that.matches(/^INVALID_ARGUMENT: rounds\[2\]: /);
  });
});
