// Preloaded with `node --require` by the offline CLI test: when the process exits, writes the name
// of every npm package it loaded, one a line, to the file named by CORROBORATE_LOADED_PACKAGES.
// Every CommonJS module a process loads, whether required or imported, stays in require.cache.
'use strict';
const { writeFileSync } = require('node:fs');

const nodeModules = 'node_modules/';

function packageOf(file) {
  const path = file.replaceAll('\\', '/');
  const start = path.lastIndexOf(nodeModules);
  if (start < 0) return undefined;
  const [scope, name] = path.slice(start + nodeModules.length).split('/');
  return scope && scope.startsWith('@') ? `${scope}/${name}` : scope;
}

process.on('exit', () => {
  const packages = new Set(Object.keys(require.cache).map(packageOf).filter(Boolean));
  writeFileSync(process.env.CORROBORATE_LOADED_PACKAGES, [...packages].sort().join('\n'));
});
