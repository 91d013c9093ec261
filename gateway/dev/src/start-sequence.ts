/**
 * What `npm start` does, in order, with each step given: bring the network up, start the
 * consortium, run the demonstration, serve until asked to stop. Whatever happens, what was started
 * is stopped again, last started first, and a failure is reported with the step it happened in.
 */

export interface StartSteps<Consortium extends { stop(): Promise<void> }> {
  networkUp(): void;
  networkDown(): void;
  startConsortium(): Promise<Consortium>;
  demonstrate(consortium: Consortium): Promise<void>;
  /** Resolves when the user asks to stop (Ctrl-C); every step gives way to it. */
  readonly stopRequested: Promise<void>;
  say(message: string): void;
  fail(message: string): void;
}

export interface StartSequenceOptions {
  /** Stop after the demonstration instead of serving until asked to stop. */
  readonly once: boolean;
}

/** Runs the steps and resolves to the exit code: 0 when nothing failed, 1 otherwise. */
export async function runStartSequence<Consortium extends { stop(): Promise<void> }>(
  steps: StartSteps<Consortium>,
  options: Readonly<StartSequenceOptions>,
): Promise<number> {
  const started: Array<{ name: string; stop: () => Promise<void> }> = [];
  let step = 'bringing up the network';
  const stopped = steps.stopRequested.then(() => 'stopped' as const);
  const unlessStopped = async <T>(work: Promise<T>): Promise<T | 'stopped'> =>
    Promise.race([work, stopped]);
  let code = 0;
  try {
    steps.say(
      'bringing up the local Fabric network (the first run builds Fabric; later runs take seconds)',
    );
    // Registered before `up`, so that a network that came up half way is stopped too.
    started.push({
      name: 'the network',
      stop: () => {
        steps.say(
          'stopping the network (its ledger is kept; `npm run network:down -- --purge` removes it)',
        );
        steps.networkDown();
        return Promise.resolve();
      },
    });
    steps.networkUp();

    step = 'starting the gateways and workers';
    const starting = steps.startConsortium();
    // Stopped even when the user stops us before it is up: it is stopped once it has started.
    started.push({
      name: 'the gateways and workers',
      stop: async () => {
        const consortium = await starting.catch(() => undefined);
        if (!consortium) return;
        steps.say('stopping gateways and workers');
        await consortium.stop();
      },
    });
    const consortium = await unlessStopped(starting);
    if (consortium !== 'stopped') {
      step = 'the demonstration';
      const shown = await unlessStopped(steps.demonstrate(consortium));
      if (shown !== 'stopped' && !options.once) {
        steps.say('serving until Ctrl-C');
        await stopped;
      }
    }
  } catch (error) {
    steps.fail(`${step} failed: ${messageOf(error)}`);
    code = 1;
  } finally {
    for (const { name, stop } of started.reverse()) {
      try {
        await stop();
      } catch (error) {
        steps.fail(`stopping ${name} failed: ${messageOf(error)}`);
        code = 1;
      }
    }
  }
  return code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
