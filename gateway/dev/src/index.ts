/**
 * The local consortium harness: a Fabric network of this repository's `network/` scripts, a
 * gateway and a worker per organisation as processes, each with an SQLite copy of a sample table.
 * `npm start`, the end-to-end tests and the benchmark run on it; members in production do not.
 *
 * @packageDocumentation
 */
export * from './cluster';
export * from './demo';
export * from './outcome';
export * from './participants';
export * from './sample-table';
export * from './start-sequence';
