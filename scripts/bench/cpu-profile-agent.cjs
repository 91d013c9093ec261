// Loaded into the Node processes that `npm run bench -- --profile DIR` starts (chaincode servers,
// gateways, workers) through NODE_OPTIONS=--require. Idle until the benchmark sends SIGUSR2: the
// first signal starts V8's CPU profiler through node:inspector, in-process (no port is opened),
// the second stops it and writes DIR/<pid>.cpuprofile. So the profile covers exactly the phase
// being measured, where --cpu-prof would cover the whole life of a process and be written only on
// a clean exit, which the chaincode servers do not make.
'use strict';

const dir = process.env.CORROBORATE_CPU_PROFILE_DIR;
const { isMainThread } = require('node:worker_threads');

if (dir && isMainThread) {
  const inspector = require('node:inspector');
  const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
  const { join } = require('node:path');
  let session;
  process.on('SIGUSR2', () => {
    if (session === undefined) {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    const running = session;
    session = undefined;
    running.post('Profiler.stop', (error, result) => {
      running.disconnect();
      if (error) {
        process.stderr.write(`cpu profile not written: ${error.message}\n`);
        return;
      }
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${process.pid}.cpuprofile`);
      writeFileSync(`${file}.partial`, JSON.stringify(result.profile));
      renameSync(`${file}.partial`, file);
    });
  });
}
