import { expect } from 'chai';
import * as sinon from 'sinon';
import { runStartSequence, type StartSteps } from '@corroborate/dev';

interface FakeConsortium {
  stop(): Promise<void>;
}

/** The steps of `npm start` as doubles that record the order they run in. */
function newSteps(overrides: Partial<StartSteps<FakeConsortium>> = {}) {
  const order: string[] = [];
  const failures: string[] = [];
  let requestStop: () => void = () => undefined;
  const consortium: FakeConsortium = {
    stop: sinon.fake(() => {
      order.push('consortium stop');
      return Promise.resolve();
    }),
  };
  const steps: StartSteps<FakeConsortium> = {
    networkUp: () => void order.push('network up'),
    networkDown: () => void order.push('network down'),
    startConsortium: () => {
      order.push('consortium start');
      return Promise.resolve(consortium);
    },
    demonstrate: () => {
      order.push('demonstrate');
      return Promise.resolve();
    },
    stopRequested: new Promise<void>((resolve) => {
      requestStop = resolve;
    }),
    say: () => undefined,
    fail: (message) => void failures.push(message),
    ...overrides,
  };
  return { steps, order, failures, consortium, requestStop: () => requestStop() };
}

describe('npm start sequence', () => {
  it('with --once, runs the demonstration and then stops the consortium and the network', async () => {
    const { steps, order, failures } = newSteps();

    const code = await runStartSequence(steps, { once: true });

    expect(code).to.equal(0);
    expect(failures).to.be.empty;
    expect(order).to.deep.equal([
      'network up',
      'consortium start',
      'demonstrate',
      'consortium stop',
      'network down',
    ]);
  });

  it('stops the network and says what failed when a member cannot start', async () => {
    const { steps, order, failures } = newSteps({
      startConsortium: () =>
        Promise.reject(new Error('org1 gateway exited (1); see members/org1/gateway.log')),
    });

    const code = await runStartSequence(steps, { once: true });

    expect(code).to.equal(1);
    expect(order).to.deep.equal(['network up', 'network down']);
    expect(failures).to.deep.equal([
      'starting the gateways and workers failed: org1 gateway exited (1); see members/org1/gateway.log',
    ]);
  });

  it('stops the consortium and the network when the demonstration fails', async () => {
    const { steps, order, failures } = newSteps({
      demonstrate: () => Promise.reject(new Error('submission refused')),
    });

    const code = await runStartSequence(steps, { once: false });

    expect(code).to.equal(1);
    expect(order.slice(-2)).to.deep.equal(['consortium stop', 'network down']);
    expect(failures).to.deep.equal(['the demonstration failed: submission refused']);
  });

  it('stops a network that failed to come up completely', async () => {
    const { steps, order, failures } = newSteps({
      networkUp: () => {
        throw new Error('network.sh up failed (exit 1)');
      },
    });

    const code = await runStartSequence(steps, { once: true });

    expect(code).to.equal(1);
    expect(order).to.deep.equal(['network down']);
    expect(failures).to.deep.equal([
      'bringing up the network failed: network.sh up failed (exit 1)',
    ]);
  });

  it('serves until asked to stop, then stops everything and exits 0', async () => {
    const fixture = newSteps();

    const running = runStartSequence(fixture.steps, { once: false });
    await new Promise((resolve) => setImmediate(resolve));
    expect(fixture.order).to.not.include('network down');
    fixture.requestStop();

    expect(await running).to.equal(0);
    expect(fixture.order.slice(-2)).to.deep.equal(['consortium stop', 'network down']);
  });

  it('stops a consortium that finishes starting after the user asked to stop', async () => {
    let finishStarting: () => void = () => undefined;
    const fixture = newSteps();
    fixture.steps.startConsortium = () =>
      new Promise((resolve) => {
        finishStarting = () => resolve(fixture.consortium);
      });

    const running = runStartSequence(fixture.steps, { once: true });
    fixture.requestStop();
    await new Promise((resolve) => setImmediate(resolve));
    finishStarting();

    expect(await running).to.equal(0);
    expect(fixture.order).to.deep.equal(['network up', 'consortium stop', 'network down']);
  });

  it('reports a failure to stop, and still stops the rest', async () => {
    const { steps, order, failures, consortium } = newSteps();
    consortium.stop = () => Promise.reject(new Error('worker would not exit'));

    const code = await runStartSequence(steps, { once: true });

    expect(code).to.equal(1);
    expect(order.at(-1)).to.equal('network down');
    expect(failures).to.deep.equal([
      'stopping the gateways and workers failed: worker would not exit',
    ]);
  });
});
