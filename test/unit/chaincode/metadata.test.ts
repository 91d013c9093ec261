import type { Outcome } from '@corroborate/protocol';
import { errorCatalogue } from '@corroborate/chaincode';
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestIdentity } from '../../support/identities';
import { consortium } from './fixtures';
import { LedgerDouble } from './ledger-double';

interface TransactionMetadata {
  name: string;
  tag: string[];
  parameters: { name: string; schema: { type: string } }[];
  returns?: { type: string };
}

interface ContractMetadata {
  contracts: Record<string, { name: string; transactions: TransactionMetadata[] }>;
}

describe('contract metadata', () => {
  let metadata: ContractMetadata;

  before(async () => {
    const [org1] = (await consortium(1)) as [TestIdentity];
    const ledger = new LedgerDouble();
    metadata = await ledger.evaluateJson<ContractMetadata>(
      org1,
      'org.hyperledger.fabric:GetMetadata',
    );
  });

  it('lists every transaction with its parameter types and whether it submits', () => {
    const transactions = metadata.contracts.corroborate?.transactions.map((transaction) => ({
      name: transaction.name,
      submit: transaction.tag.includes('SUBMIT'),
      parameters: transaction.parameters.map(
        (parameter) => `${parameter.name}: ${parameter.schema.type}`,
      ),
      returns: transaction.returns?.type,
    }));

    const submit = (name: string, ...parameters: string[]) => ({
      name,
      submit: true,
      parameters,
      returns: 'string',
    });
    const evaluate = (name: string, ...parameters: string[]) => ({
      name,
      submit: false,
      parameters,
      returns: 'string',
    });
    expect(transactions).to.have.deep.members([
      submit('InitParticipants', 'participantsJson: string', 'quorumRatio: string'),
      evaluate('GetParticipants'),
      submit('ProposeParticipantChange', 'proposalId: string', 'changeJson: string'),
      submit('ApproveParticipantChange', 'proposalId: string'),
      evaluate('GetParticipantChange', 'proposalId: string'),
      evaluate('ListParticipantChanges'),
      submit('CreateFirstBlock', 'contentJson: string', 'signature: string', 'saltSeed: string'),
      submit('RecordVerdict', 'blockId: string', 'verdictJson: string'),
      submit('RecordVerdicts', 'verdictsJson: string'),
      submit('FinalizeOutcome', 'blockId: string', 'votersJson: string'),
      submit('FinalizeOutcomes', 'outcomesJson: string'),
      evaluate('GetFirstBlock', 'blockId: string'),
      evaluate('GetOutcome', 'blockId: string'),
      submit('RequestRecheck', 'blockId: string'),
      submit('RecordAttestation', 'blockId: string', 'round: number', 'attestationJson: string'),
      evaluate('GetRechecks', 'blockId: string'),
      evaluate('ListFirstBlocks', 'status: string', 'pageSize: number', 'bookmark: string'),
    ]);
  });

  it('names the contract corroborate', () => {
    expect(metadata.contracts).to.have.property('corroborate');
    expect(metadata.contracts.corroborate?.name).to.equal('corroborate');
  });

  it("ships Corroborate's contract alone: no benchmark baseline", () => {
    // Besides fabric-contract-api's own system contract, which every chaincode answers with.
    expect(Object.keys(metadata.contracts)).to.have.members([
      'corroborate',
      'org.hyperledger.fabric',
    ]);
  });
});

describe('error catalogue', () => {
  // Every compiled module of the contract, so a code thrown from a new module is not missed.
  const dist = join(require.resolve('@corroborate/chaincode'), '..');
  const sources = readdirSync(dist)
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(dist, file), 'utf8'))
    .join('\n');
  // Under mutation testing the compiled code wraps each string in a mutant switch,
  // `ContractError(stryMutAct_9fa48("12") ? "" : (stryCov_9fa48("12"), 'CODE')`: the scan
  // reads through it.
  const switched = String.raw`(?:[\w$]+\("\d+"\) \? "" : (?:\([\w$]+\("\d+"\), )?)?`;
  const thrown = new Set(
    [...sources.matchAll(new RegExp(String.raw`ContractError\(${switched}'([A-Z_]+)'`, 'g'))].map(
      (match) => match[1],
    ),
  );

  it('describes every code the contract throws', () => {
    expect([...thrown].filter((code) => code !== undefined && !(code in errorCatalogue))).to.be
      .empty;
  });

  it('has no code that nothing throws, except those passed through from the shared rule', () => {
    const fromRule = ['UNSUPPORTED_SCHEME'];
    const unused = Object.keys(errorCatalogue).filter(
      (code) => !thrown.has(code) && !fromRule.includes(code),
    );
    expect(unused).to.be.empty;
  });

  it('gives every code a meaning', () => {
    for (const [code, meaning] of Object.entries(errorCatalogue)) {
      expect(code).to.match(/^[A-Z][A-Z_]+$/);
      expect(meaning, code).to.be.a('string').and.not.be.empty;
    }
  });
});

// Type-level check that Outcome stays exported for clients.
export type { Outcome };
