// Stryker's buildCommand: makes the sandbox's tests run the sandbox's mutated code.
//
// The unit tests import the compiled workspace packages (`@corroborate/protocol` resolves through
// node_modules to chaincode/protocol/dist). Stryker's own node_modules symlink would resolve those
// workspace links to the original tree, so every mutant would run the unmutated dist and survive.
// Instead the sandbox gets node_modules directories of its own: every dependency links to the
// original installation, every workspace package links to its copy inside the sandbox. Then the
// mutated sources are compiled in place, so dist holds Stryker's mutant switches.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const sandbox = process.cwd();
const packages = ['.', 'chaincode/protocol', 'chaincode', 'gateway', 'gateway/dev'];
const compiled = ['chaincode/protocol', 'chaincode', 'gateway', 'gateway/dev'];

function originalRoot(): string {
  for (let dir = path.dirname(sandbox); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', '@corroborate', 'protocol'))) {
      return dir;
    }
  }
  throw new Error(`no installed workspace above ${sandbox}`);
}

const root = originalRoot();

/** Where the sandbox's entry should point: the sandbox's copy for a workspace package. */
function target(entry: string): string {
  const real = realpathSync(entry);
  const relative = path.relative(root, real);
  const workspace =
    !relative.startsWith('..') && !relative.split(path.sep).includes('node_modules');
  return workspace ? path.join(sandbox, relative) : real;
}

function mirror(from: string, to: string, scoped = false): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const entry = path.join(from, name);
    const link = path.join(to, name);
    if (existsSync(link)) {
      continue;
    }
    if (!scoped && name.startsWith('@') && lstatSync(entry).isDirectory()) {
      mirror(entry, link, true);
    } else {
      symlinkSync(target(entry), link);
    }
  }
}

for (const pkg of packages) {
  const modules = path.join(root, pkg, 'node_modules');
  if (existsSync(modules)) {
    mirror(modules, path.join(sandbox, pkg, 'node_modules'));
  }
}

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', ...compiled], {
  stdio: 'inherit',
});
