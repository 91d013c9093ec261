// A JSON reader for HTTP sources that keeps each number's digits. JSON.parse turns
// 12345678901234567890 into a double and loses digits before the rule could see them; an HTTP
// API and a database must hash the same record identically, so a record's top-level numbers
// reach the rule as their exact text. It also refuses duplicate keys, which JSON.parse would
// silently resolve to the last one.

/** A JSON number, kept as its source text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A parsed JSON value: numbers are {@link JsonNumber}s, objects have no prototype. */
export type JsonNode =
  null | boolean | string | JsonNumber | JsonNode[] | { [key: string]: JsonNode };

const maxDepth = 256;
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const escapePattern = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Parses JSON text; throws `SyntaxError` naming the offset of the problem. */
export function parseJsonDocument(text: string): JsonNode {
  const reader = new Reader(text);
  reader.skipSpace();
  const value = reader.value(0);
  reader.skipSpace();
  if (reader.offset !== text.length) {
    reader.fail('unexpected text after the document');
  }
  return value;
}

class Reader {
  offset = 0;

  constructor(private readonly text: string) {}

  value(depth: number): JsonNode {
    if (depth > maxDepth) {
      this.fail(`nesting deeper than ${maxDepth}`);
    }
    const char = this.text[this.offset];
    switch (char) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  object(depth: number): { [key: string]: JsonNode } {
    const result = Object.create(null) as { [key: string]: JsonNode };
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') {
        this.fail('expected a string key');
      }
      const key = this.string();
      if (Object.hasOwn(result, key)) {
        this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      result[key] = this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.offset] === ',') {
        this.offset++;
        continue;
      }
      this.expect('}');
      return result;
    }
  }

  array(depth: number): JsonNode[] {
    const result: JsonNode[] = [];
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      result.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.offset] === ',') {
        this.offset++;
        continue;
      }
      this.expect(']');
      return result;
    }
  }

  string(): string {
    // A scan rather than one regular expression: a backtracking pattern over a megabyte-long
    // string can exhaust the regular expression stack.
    const start = this.offset;
    let index = start + 1;
    for (;;) {
      const code = this.text.charCodeAt(index);
      if (Number.isNaN(code) || code < 0x20) {
        this.offset = index;
        this.fail('invalid string');
      }
      if (code === 0x22) {
        break;
      }
      if (code === 0x5c) {
        escapePattern.lastIndex = index;
        if (!escapePattern.test(this.text)) {
          this.offset = index;
          this.fail('invalid escape');
        }
        index = escapePattern.lastIndex;
      } else {
        index++;
      }
    }
    this.offset = index + 1;
    // Only valid escapes were admitted, so JSON.parse of the literal cannot fail.
    return JSON.parse(this.text.slice(start, this.offset)) as string;
  }

  number(): JsonNumber {
    numberPattern.lastIndex = this.offset;
    const match = numberPattern.exec(this.text);
    if (match === null) {
      this.fail('unexpected character');
    }
    this.offset = numberPattern.lastIndex;
    return new JsonNumber(match[0]);
  }

  literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.offset)) {
      this.fail('unexpected character');
    }
    this.offset += word.length;
    return value;
  }

  expect(char: string): void {
    if (this.text[this.offset] !== char) {
      this.fail(`expected '${char}'`);
    }
    this.offset++;
  }

  skipSpace(): void {
    while (this.offset < this.text.length && ' \t\n\r'.includes(this.text[this.offset] as string)) {
      this.offset++;
    }
  }

  fail(why: string): never {
    throw new SyntaxError(`JSON: ${why} at offset ${this.offset}`);
  }
}

/** The value as plain JSON: numbers become JS numbers, as RFC 8785 serialises them. */
export function toPlainJson(node: JsonNode): unknown {
  if (node instanceof JsonNumber) {
    return Number(node.text);
  }
  if (Array.isArray(node)) {
    return node.map(toPlainJson);
  }
  if (node !== null && typeof node === 'object') {
    const result = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      result[key] = toPlainJson(node[key] as JsonNode);
    }
    return result;
  }
  return node;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(node: JsonNode | undefined): node is { [key: string]: JsonNode } {
  return (
    node !== null &&
    node !== undefined &&
    typeof node === 'object' &&
    !Array.isArray(node) &&
    !(node instanceof JsonNumber)
  );
}

/** Checks RFC 6901 syntax: '' or '/'-separated reference tokens with only '~0' and '~1' escapes. */
export function isJsonPointer(pointer: string): boolean {
  return pointer === '' || /^(?:\/(?:[^~/]|~[01])*)+$/.test(pointer);
}

/**
 * Resolves an RFC 6901 JSON Pointer; `undefined` when the document has nothing there. Array
 * indices are decimal without leading zeros; '-' (past the end) never resolves.
 */
export function resolveJsonPointer(document: JsonNode, pointer: string): JsonNode | undefined {
  if (pointer === '') {
    return document;
  }
  let current: JsonNode | undefined = document;
  for (const escaped of pointer.slice(1).split('/')) {
    const token = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d{0,8})$/.test(token)) {
        return undefined;
      }
      current = current[Number(token)];
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, token) ? current[token] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) {
      return undefined;
    }
  }
  return current;
}
