import { Context, Info, Param, Transaction } from 'fabric-contract-api';
import { assertIdentifier } from './arguments';
import { CodedContract } from './dispatch';
import { ContractError } from './errors';
import { Ledger } from './ledger';

const maxValueBytes = 1024;

/**
 * The benchmark's yardstick: one blind write per transaction, endorsed and committed like any
 * other, so `npm run bench` can set what a consensus costs beside what a plain Fabric write costs
 * on the same network, through the same client path. It touches nothing of Corroborate's state.
 */
@Info({ title: 'Baseline', description: 'A raw blind write, for measuring the network itself' })
export class BaselineContract extends CodedContract {
  constructor() {
    super('baseline');
  }

  @Transaction()
  @Param('key', 'string', 'where to write, [A-Za-z0-9._:-]{1,128}')
  @Param('value', 'string', 'up to 1 KiB')
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    assertIdentifier(key, 'key');
    if (Buffer.byteLength(value, 'utf8') > maxValueBytes) {
      throw new ContractError('INVALID_ARGUMENT', `value: at most ${maxValueBytes} bytes`);
    }
    await new Ledger(ctx).putBaseline(key, value);
  }
}
