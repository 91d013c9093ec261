// The layer rules, checked by `npm run lint`: what each part of the repository may depend on,
// directly or through the modules it reaches. dependency-cruiser rather than an ESLint plugin
// because two of the rules are about the whole graph, not one import: what the offline verifier
// reaches transitively, and cycles.

// Paths are repository-relative once resolved (node_modules/…, chaincode/protocol/dist/…); an
// import that cannot be resolved keeps its bare name, so each pattern matches both forms.
const npm = (names) => `(^|/)node_modules/(${names})(/|$)|^(${names})(/|$)`;

const fabric = npm('@hyperledger/[^/]+|fabric-[^/]+|@grpc/[^/]+');
const databaseDrivers = npm('pg|pg-[^/]+|mysql2|better-sqlite3');
const memberSide = ['^gateway/', '^@corroborate/(gateway|dev)(/|$)'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-no-fabric',
      comment:
        'The protocol is what both sides of the ledger agree on; it must run in the contract, the ' +
        'member services and a browser alike, so it depends on no Fabric, gRPC or database module.',
      severity: 'error',
      from: { path: '^chaincode/protocol/src/' },
      to: { path: [fabric, databaseDrivers] },
    },
    {
      name: 'protocol-no-io',
      comment:
        'The protocol does no I/O: of Node’s own modules it may use only node:crypto (hashing and ' +
        'signature checks).',
      severity: 'error',
      from: { path: '^chaincode/protocol/src/' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'protocol-at-the-ground',
      comment: 'The protocol imports nothing from the contract or the member side; they import it.',
      severity: 'error',
      from: { path: '^chaincode/protocol/src/' },
      to: { path: ['^chaincode/(src|dist)/', '^@corroborate/chaincode(/|$)', ...memberSide] },
    },
    {
      name: 'chaincode-not-member-side',
      comment:
        'The contract runs on the peers of every member; it shares only the protocol with the ' +
        'member services, never their code.',
      severity: 'error',
      from: { path: '^chaincode/src/' },
      to: { path: memberSide },
    },
    {
      name: 'offline-without-fabric',
      comment:
        'Receipts, `corroborate hash` and `corroborate receipt verify` work offline, with no peer ' +
        'and no database: nothing they reach may load Fabric, gRPC or a database driver.',
      severity: 'error',
      from: {
        path: '^gateway/src/(receipt[.]ts$|receipt/|cli/commands/(hash|receipts)[.]ts$)',
      },
      to: { path: [fabric, databaseDrivers], reachable: true },
    },
    {
      name: 'dashboard-in-the-browser',
      comment:
        'The dashboard runs in a browser: it may use the protocol, the receipt verifier and the ' +
        "API's types, and nothing of the rest of the gateway, Fabric, gRPC or a database driver.",
      severity: 'error',
      from: { path: '^gateway/dashboard/src/' },
      to: {
        path: [
          fabric,
          databaseDrivers,
          '^gateway/(src|dist)/',
          '^chaincode/(src|dist)/',
          '^@corroborate/(chaincode|dev)(/|$)',
          '^@corroborate/gateway(/|$)',
        ],
        pathNot: [
          '^gateway/dist/(receipt|api)[.](js|d[.]ts)$',
          '^@corroborate/gateway/(receipt|api)$',
        ],
      },
    },
    {
      name: 'dashboard-offline-verifier',
      comment:
        'What the dashboard bundles from the receipt verifier must not load Fabric or a database ' +
        'driver either, however indirectly.',
      severity: 'error',
      from: { path: '^gateway/dashboard/src/' },
      to: { path: [fabric, databaseDrivers], reachable: true },
    },
    {
      name: 'product-not-harness',
      comment:
        'The product stands apart from the local-consortium harness, the scripts and the tests, ' +
        'which use it and never the other way round.',
      severity: 'error',
      from: { path: '^gateway/src/' },
      to: { path: ['^gateway/dev/', '^@corroborate/dev(/|$)', '^test/', '^scripts/'] },
    },
    {
      name: 'no-circular',
      comment:
        'Every layer depends downhill; a cycle means two modules are one job or a layer inverted.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports count: a type from Fabric is a dependency on Fabric for whoever bundles it.
    tsPreCompilationDeps: true,
    // Packages, the workspaces' compiled output included, are checked as targets only: each
    // workspace's own sources are cruised, and its rules checked there.
    doNotFollow: { path: ['(^|/)node_modules/', '(^|/)dist/'] },
    moduleSystems: ['cjs', 'es6'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default'],
    },
  },
};
