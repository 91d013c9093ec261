import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileCheckpoint } from '../../../gateway/src/worker/checkpoint';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('file checkpoint', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'corroborate-checkpoint-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('starts empty when the file does not exist, creating its folder', async () => {
    const path = join(folder, 'state', 'org1', 'checkpoint.json');

    const checkpoint = await openFileCheckpoint(path);

    expect(checkpoint.getBlockNumber()).to.be.undefined;
    expect(checkpoint.getTransactionId()).to.be.undefined;
    expect(statSync(join(folder, 'state', 'org1')).isDirectory()).to.be.true;
  });

  it('holds the saved block and transaction, also after reopening', async () => {
    const path = join(folder, 'checkpoint.json');
    const checkpoint = await openFileCheckpoint(path);

    await checkpoint.save(41n, 'tx-41');
    await checkpoint.save(9007199254740993n, 'tx-big');
    const reopened = await openFileCheckpoint(path);

    expect(checkpoint.getBlockNumber()).to.equal(9007199254740993n);
    expect(checkpoint.getTransactionId()).to.equal('tx-big');
    expect(reopened.getBlockNumber()).to.equal(9007199254740993n);
    expect(reopened.getTransactionId()).to.equal('tx-big');
  });

  it('keeps its position for the same ledger and drops it, durably, for another', async () => {
    const path = join(folder, 'checkpoint.json');
    const checkpoint = await openFileCheckpoint(path);
    expect(await checkpoint.bindLedger('ledger-a')).to.be.false;
    await checkpoint.save(7n, 'tx-7');

    expect(await checkpoint.bindLedger('ledger-a')).to.be.false;
    expect(checkpoint.getBlockNumber()).to.equal(7n);

    expect(await checkpoint.bindLedger('ledger-b')).to.be.true;
    const reopened = await openFileCheckpoint(path);
    expect(reopened.getLedgerId()).to.equal('ledger-b');
    expect(reopened.getBlockNumber()).to.be.undefined;
    expect(reopened.getTransactionId()).to.be.undefined;
  });

  it('leaves only the complete file behind, readable by its owner alone', async () => {
    const path = join(folder, 'checkpoint.json');
    const checkpoint = await openFileCheckpoint(path);

    await checkpoint.save(7n, 'tx-7');

    expect(readdirSync(folder)).to.deep.equal(['checkpoint.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).to.deep.equal({
      blockNumber: '7',
      transactionId: 'tx-7',
    });
    expect(statSync(path).mode & 0o777).to.equal(0o600);
  });

  it('overwrites a temporary file that an earlier crash left behind', async () => {
    const path = join(folder, 'checkpoint.json');
    writeFileSync(`${path}.tmp`, '{"blockNumber":"3","transac');
    const checkpoint = await openFileCheckpoint(path);

    await checkpoint.save(8n, 'tx-8');

    expect(readdirSync(folder)).to.deep.equal(['checkpoint.json']);
    expect((await openFileCheckpoint(path)).getBlockNumber()).to.equal(8n);
  });

  it('refuses a file it cannot read, naming it, rather than starting over', async () => {
    const torn = join(folder, 'torn.json');
    writeFileSync(torn, '{"blockNumber":"3","transac');
    const directory = join(folder, 'directory.json');
    mkdirSync(directory);

    await expect(openFileCheckpoint(torn)).to.be.rejectedWith(`checkpoint ${torn} is unreadable`);
    await expect(openFileCheckpoint(directory)).to.be.rejectedWith(/is unreadable/);
  });
});
