import '../chaincode/quiet-fabric-logs';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from '../../../scripts/docs-tables';
import type { TestIdentity } from '../../support/identities';
import { consortium } from '../chaincode/fixtures';
import { LedgerDouble } from '../chaincode/ledger-double';

interface ContractMetadata {
  contracts: Record<
    string,
    {
      transactions: Array<{ name: string; tag: string[]; parameters: Array<{ name: string }> }>;
    }
  >;
}

interface DocumentedTransaction {
  readonly name: string;
  readonly kind: string;
  readonly arguments: string;
}

/** The rows of the transaction table in docs/reference/contract.md. */
function documentedTransactions(): DocumentedTransaction[] {
  const text = readFileSync(join(repoDir, 'docs/reference/contract.md'), 'utf8');
  const section = text.slice(text.indexOf('## Transactions'), text.indexOf('## Events'));
  return [...section.matchAll(/^\| `(\w+)` \| (submit|evaluate) \| (.*?) \|/gm)].map(
    ([, name = '', kind = '', args = '']) => ({ name, kind, arguments: args }),
  );
}

// The transaction table is written by hand (its prose says more than the metadata can); this
// keeps its names, kinds and arguments true to the contract's own metadata.
describe('the contract reference', () => {
  let metadata: ContractMetadata;

  before(async () => {
    const [org1] = (await consortium(1)) as [TestIdentity];
    metadata = await new LedgerDouble().evaluateJson<ContractMetadata>(
      org1,
      'org.hyperledger.fabric:GetMetadata',
    );
  });

  it('documents every transaction of the contract, and no other', () => {
    const transactions = metadata.contracts.corroborate?.transactions ?? [];
    expect(documentedTransactions().map((row) => row.name)).to.have.members(
      transactions.map((transaction) => transaction.name),
    );
  });

  it('gives each transaction its kind and names each of its arguments', () => {
    const documented = new Map(documentedTransactions().map((row) => [row.name, row]));
    for (const transaction of metadata.contracts.corroborate?.transactions ?? []) {
      const row = documented.get(transaction.name);
      expect(row?.kind, transaction.name).to.equal(
        transaction.tag.includes('SUBMIT') ? 'submit' : 'evaluate',
      );
      for (const parameter of transaction.parameters) {
        expect(row?.arguments, `${transaction.name} ${parameter.name}`).to.include(
          `\`${parameter.name}\``,
        );
      }
    }
  });
});
