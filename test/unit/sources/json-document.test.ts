import { expect } from 'chai';
import {
  isJsonPointer,
  JsonNumber,
  parseJsonDocument,
  resolveJsonPointer,
  toPlainJson,
} from '../../../gateway/src/sources/json-document';

describe('JSON documents of HTTP sources', function () {
  it('keeps the exact text of numbers', function () {
    const document = parseJsonDocument('{"big":123456789012345678901234567890,"e":-1.5e+300}');
    expect(document).to.deep.equal(
      Object.assign(Object.create(null) as object, {
        big: new JsonNumber('123456789012345678901234567890'),
        e: new JsonNumber('-1.5e+300'),
      }),
    );
  });

  it('reads the same values as JSON.parse for ordinary documents', function () {
    const text =
      ' {"a" : [1, -0.5, true, false, null, "x\\u00e9\\n\\"\\\\/"], "b": {"c": {}}, "d": []} ';
    expect(JSON.stringify(toPlainJson(parseJsonDocument(text)))).to.equal(
      JSON.stringify(JSON.parse(text)),
    );
  });

  it('keeps a "__proto__" key as data, not as the prototype', function () {
    const document = parseJsonDocument('{"__proto__":{"polluted":true}}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(document)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  [
    '',
    '{',
    '{"a":1,}',
    '[1,]',
    '01',
    '1.',
    '.5',
    '+1',
    'NaN',
    "{'a':1}",
    '"\\x"',
    '"tab\tinside"',
    '{"a":1} x',
    '{"a":1,"a":2}',
    'tru',
  ].forEach((text) => {
    it(`refuses ${JSON.stringify(text)}`, function () {
      expect(() => parseJsonDocument(text)).to.throw(SyntaxError, /^JSON: /);
    });
  });

  it('refuses nesting deeper than 256 levels instead of overflowing the stack', function () {
    expect(() => parseJsonDocument('['.repeat(10_000) + ']'.repeat(10_000))).to.throw(
      /nesting deeper than 256/,
    );
  });

  it('reads a string of a megabyte', function () {
    const long = 'é\\n'.repeat(350_000);
    const value = parseJsonDocument(`"${long}"`) as string;
    expect(value.length).to.equal(700_000);
  });

  describe('JSON Pointer', function () {
    const document = parseJsonDocument('{"a":{"b/c":{"~d":[{"x":1}]}},"":{"e":2}}');

    it('resolves escaped tokens, array indices and the empty key', function () {
      expect(resolveJsonPointer(document, '')).to.equal(document);
      expect(toPlainJson(resolveJsonPointer(document, '/a/b~1c/~0d/0')!)).to.deep.equal({ x: 1 });
      expect(toPlainJson(resolveJsonPointer(document, '/')!)).to.deep.equal({ e: 2 });
    });

    it('resolves nothing for absent keys, bad indices, "-" and inherited properties', function () {
      [
        '/z',
        '/a/b~1c/~0d/1',
        '/a/b~1c/~0d/-',
        '/a/b~1c/~0d/00',
        '/constructor',
        '/a/toString',
      ].forEach((pointer) =>
        expect(resolveJsonPointer(document, pointer), pointer).to.equal(undefined),
      );
    });

    it('checks RFC 6901 syntax', function () {
      expect(isJsonPointer('')).to.be.true;
      expect(isJsonPointer('/a~0b~1c')).to.be.true;
      expect(isJsonPointer('a')).to.be.false;
      expect(isJsonPointer('/a~2')).to.be.false;
      expect(isJsonPointer('/a~')).to.be.false;
    });
  });
});
