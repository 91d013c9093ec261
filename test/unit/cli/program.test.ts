import { expect } from 'chai';
import * as sinon from 'sinon';
import { runCli } from '../../../gateway/src/cli/program';
import { newFakeEnvironment } from './fake-environment';

const commands = ['network', 'gateway', 'worker', 'request', 'receipt', 'hash'];

describe('the command table', () => {
  const sandbox = sinon.createSandbox();

  afterEach(() => {
    sandbox.restore();
  });

  it('lists every command in the help, though a run loads only the family it runs', async () => {
    const cli = newFakeEnvironment(sandbox);

    expect(await runCli(['--json', '--help'], cli)).to.equal(0);
    for (const name of commands) {
      expect(cli.out()).to.match(new RegExp(`^ {2}${name}\\b`, 'm'), name);
    }
  });

  it('finds the command that follows a global option', async () => {
    const cli = newFakeEnvironment(sandbox, { stdin: '{"id":1}' });

    expect(await runCli(['--json', 'hash'], cli)).to.equal(0);
    expect(JSON.parse(cli.out())).to.have.property('recordHash');
  });

  it('suggests the command a misspelt one is closest to', async () => {
    const cli = newFakeEnvironment(sandbox);

    expect(await runCli(['hsah'], cli)).to.equal(2);
    expect(cli.err()).to.include('(Did you mean hash?)');
  });

  it('gives the help of one command from its own family', async () => {
    const cli = newFakeEnvironment(sandbox);

    expect(await runCli(['receipt', 'verify', '--help'], cli)).to.equal(0);
    expect(cli.out()).to.include('--require-accepted');
  });
});
