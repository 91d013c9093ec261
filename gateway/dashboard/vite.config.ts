// Builds the dashboard into dist/, which the gateway serves under /dashboard/. The receipt
// verifier and the protocol are bundled from their TypeScript sources: the same code the CLI
// runs, with the browser's crypto port injected at the call.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * node:crypto backs the protocol's default crypto port, which the dashboard never uses (it
 * passes its own): in the bundle it is a module whose every use throws.
 */
function nodeCryptoAbsent(): Plugin {
  const id = '\0node-crypto-absent';
  return {
    name: 'node-crypto-absent',
    enforce: 'pre',
    resolveId: (specifier) => (specifier === 'node:crypto' ? id : undefined),
    load: (loaded) =>
      loaded === id
        ? [
            "const absent = () => { throw new Error('node:crypto is not available in a browser'); };",
            'export const verify = absent;',
            'export class X509Certificate { constructor() { absent(); } }',
          ].join('\n')
        : undefined,
  };
}

export default defineConfig({
  base: '/dashboard/',
  plugins: [nodeCryptoAbsent()],
  resolve: {
    alias: [
      {
        find: /^@corroborate\/protocol$/,
        replacement: source('../../chaincode/protocol/src/index.ts'),
      },
      {
        find: /^@corroborate\/gateway\/receipt$/,
        replacement: source('../src/receipt.ts'),
      },
    ],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: '',
    target: 'es2022',
    // One bundle of about 100 kB gzipped; a size warning would only be noise.
    chunkSizeWarningLimit: 600,
    reportCompressedSize: false,
  },
});
