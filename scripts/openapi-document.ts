/**
 * Writes the OpenAPI document the gateway serves at /openapi.json to a file (the first argument),
 * so that tools that read documents from files, such as Redocly's linter, judge exactly that.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openApiDocument } from '../gateway/src/openapi';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx scripts/openapi-document.ts FILE');
  process.exit(2);
}
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(openApiDocument, null, 2)}\n`);
