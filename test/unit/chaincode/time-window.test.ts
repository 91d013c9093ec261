import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TIME_WINDOW_SECONDS } from '@corroborate/protocol';

describe('the time window', () => {
  it('is the one the network scripts give every peer', () => {
    const script = readFileSync(path.join(__dirname, '../../../network/scripts/nodes.sh'), 'utf8');
    const setting = /^TIME_WINDOW_SECONDS=(\d+)$/m.exec(script);

    expect(setting?.[1]).to.equal(String(TIME_WINDOW_SECONDS));
    expect(script).to.include('"CORE_PEER_AUTHENTICATION_TIMEWINDOW=${TIME_WINDOW_SECONDS}s"');
  });

  it('is shorter than the 15 minutes of Fabric’s sample configuration', () => {
    expect(TIME_WINDOW_SECONDS)
      .to.be.above(0)
      .and.below(15 * 60);
  });
});
