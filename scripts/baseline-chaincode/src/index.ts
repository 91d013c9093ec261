import { Context, Contract, Info, Param, Transaction } from 'fabric-contract-api';

/**
 * The benchmark's yardstick: one blind write per transaction, endorsed and committed like any
 * other, so that `npm run bench` can set what a consensus costs beside what a plain Fabric write
 * costs on the same network, through the same client path. It is a chaincode of its own
 * (`network.sh deploy-baseline`), so the contract that members deploy never carries it.
 */

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const maxValueBytes = 1024;

@Info({ title: 'Baseline', description: 'A raw blind write, for measuring the network itself' })
export class BaselineContract extends Contract {
  constructor() {
    super('baseline');
  }

  @Transaction()
  @Param('key', 'string', 'where to write, [A-Za-z0-9._:-]{1,128}')
  @Param('value', 'string', 'up to 1 KiB')
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    if (!keyPattern.test(key)) {
      throw new Error(`INVALID_ARGUMENT: key: must match ${keyPattern.source}`);
    }
    if (Buffer.byteLength(value, 'utf8') > maxValueBytes) {
      throw new Error(`INVALID_ARGUMENT: value: at most ${maxValueBytes} bytes`);
    }
    await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
  }
}

/** The contracts fabric-chaincode-node starts from this package. */
export const contracts = [BaselineContract];
