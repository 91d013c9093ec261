import { expect } from 'chai';
import { fieldTypeFromDeclared } from '@corroborate/protocol';

describe('fieldTypeFromDeclared', () => {
  const expectations: Record<string, string[]> = {
    number: [
      'BIGINT',
      'int',
      'INTEGER',
      'SMALLINT',
      'NUMERIC(10,2)',
      'DECIMAL',
      'REAL',
      'DOUBLE',
      'bigint unsigned',
      'DECIMAL(12, 2)',
    ],
    boolean: ['BOOL', 'BOOLEAN', 'TINYINT(1)', 'tinyint(1) unsigned'],
    text: ['TEXT', 'VARCHAR(20)', 'CHAR', 'character varying(255)', 'NVARCHAR(10)'],
    bytes: ['BLOB', 'BYTEA', 'VARBINARY', 'VARBINARY(16)'],
    date: ['DATE', 'date'],
    timestamp: [
      'TIMESTAMP',
      'TIMESTAMPTZ',
      'DATETIME',
      'DATETIME(6)',
      'TIMESTAMP WITH TIME ZONE',
      'timestamp(3)  with  time zone',
    ],
    json: ['JSON', 'JSONB'],
  };

  for (const [type, declaredTypes] of Object.entries(expectations)) {
    it(`maps ${declaredTypes.join(', ')} to ${type}`, () => {
      for (const declared of declaredTypes) {
        expect(fieldTypeFromDeclared(declared), declared).to.equal(type);
      }
    });
  }

  it('does not guess at types it does not know', () => {
    for (const declared of ['TIME', 'INTERVAL', 'INTEGER[]', 'GEOMETRY', 'BIT(1)', '']) {
      expect(fieldTypeFromDeclared(declared), declared).to.be.undefined;
    }
  });
});
