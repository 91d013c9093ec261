import { isContractErrorCode, LEDGER_EVENT_NAMES } from '@corroborate/protocol';
import { errorCatalogue } from '@corroborate/gateway';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applySection,
  gatewayErrorMeanings,
  renderFiles,
  renderSections,
  repoDir,
} from '../../../scripts/docs-tables';

// The tables in docs/ that mirror code are written by `npm run docs:tables`; these tests fail when
// a catalogue, an event, a route or a metric changes and the docs were not regenerated.
describe('generated documentation tables', function () {
  // Building the tables loads the gateway and the TypeScript compiler.
  this.timeout(60_000);

  const sections = renderSections();
  const files = renderFiles(sections);

  for (const [file, { current, expected }] of files) {
    it(`${file} holds the tables the code generates (run npm run docs:tables)`, function () {
      expect(current).to.equal(expected);
    });
  }

  it('lists every error code of the gateway and every event of the contract', function () {
    const errors = readFileSync(join(repoDir, 'docs/reference/error-codes.md'), 'utf8');
    for (const code of Object.keys(errorCatalogue)) {
      expect(errors, code).to.include(`| \`${code}\` |`);
    }
    const contract = readFileSync(join(repoDir, 'docs/reference/contract.md'), 'utf8');
    for (const name of LEDGER_EVENT_NAMES) {
      expect(contract, name).to.include(`| \`${name}\` |`);
    }
  });

  it('explains every error code the gateway raises itself, and no other', function () {
    const own = Object.keys(errorCatalogue).filter((code) => !isContractErrorCode(code));
    expect(Object.keys(gatewayErrorMeanings)).to.have.members(own);
  });

  it('refuses a document that lacks the markers of its table', function () {
    const section = { file: 'x.md', name: 'demo', markdown: '' };
    expect(() => applySection('no markers here', section)).to.throw(/lacks the markers/);
  });

  it('replaces only what lies between the markers', function () {
    const section = { file: 'x.md', name: 'demo', markdown: '| a |\n| --- |' };
    const text = [
      'before',
      '<!-- BEGIN GENERATED demo (npm run docs:tables) -->',
      'stale',
      '<!-- END GENERATED demo -->',
      'after',
    ].join('\n');
    expect(applySection(text, section)).to.equal(
      [
        'before',
        '<!-- BEGIN GENERATED demo (npm run docs:tables) -->',
        '| a |',
        '| --- |',
        '<!-- END GENERATED demo -->',
        'after',
      ].join('\n'),
    );
  });
});
