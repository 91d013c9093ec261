import type * as sinon from 'sinon';
import type { Config } from '../../../gateway/src/config';
import type {
  CliEnvironment,
  FetchOptions,
  RunningService,
} from '../../../gateway/src/cli/environment';

export interface FakeEnvironment extends CliEnvironment {
  readonly files: Map<string, string>;
  readonly out: () => string;
  readonly err: () => string;
  readonly fetchStub: sinon.SinonStub<[string, RequestInit, FetchOptions], Promise<Response>>;
  readonly runStub: sinon.SinonStub<[string, readonly string[], string], Promise<number>>;
  readonly service: RunningService & { close: sinon.SinonStub<[], Promise<void>> };
  readonly startGatewayStub: sinon.SinonStub<[Config], Promise<RunningService>>;
  readonly startWorkerStub: sinon.SinonStub<[Config], Promise<RunningService>>;
  readonly loadConfigStub: sinon.SinonStub<[string | undefined], Promise<Config>>;
}

export const config = { profilePath: '/tmp/profile.json' } as unknown as Config;

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** The CLI's environment with doubles: files in a map, output captured, HTTP and services stubbed. */
export function newFakeEnvironment(
  sandbox: sinon.SinonSandbox,
  options: { env?: Record<string, string>; stdin?: string } = {},
): FakeEnvironment {
  const files = new Map<string, string>();
  let out = '';
  let err = '';
  let clock = 0;
  const service = {
    url: 'http://127.0.0.1:8101',
    close: sandbox.stub<[], Promise<void>>().resolves(),
  };
  const fetchStub = sandbox.stub<[string, RequestInit, FetchOptions], Promise<Response>>();
  const runStub = sandbox.stub<[string, readonly string[], string], Promise<number>>().resolves(0);
  const startGatewayStub = sandbox.stub<[Config], Promise<RunningService>>().resolves(service);
  const startWorkerStub = sandbox.stub<[Config], Promise<RunningService>>().resolves(service);
  const loadConfigStub = sandbox.stub<[string | undefined], Promise<Config>>().resolves(config);
  return {
    env: options.env ?? {},
    repoRoot: '/repo',
    files,
    out: () => out,
    err: () => err,
    fetchStub,
    runStub,
    service,
    startGatewayStub,
    startWorkerStub,
    loadConfigStub,
    writeOut: (text) => {
      out += text;
    },
    writeErr: (text) => {
      err += text;
    },
    readFile: (path) => {
      const text = files.get(path);
      return text === undefined
        ? Promise.reject(new Error(`ENOENT: no such file ${path}`))
        : Promise.resolve(text);
    },
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    writeFile: (path, text) => {
      files.set(path, text);
      return Promise.resolve();
    },
    fetch: (url, init, fetchOptions = {}) => fetchStub(url, init, fetchOptions),
    run: (program, args, cwd) => runStub(program, args, cwd),
    loadConfig: (path) => loadConfigStub(path),
    startGateway: (loaded) => startGatewayStub(loaded),
    startWorker: (loaded) => startWorkerStub(loaded),
    waitForSignal: () => Promise.resolve('SIGTERM'),
    sleep: (milliseconds) => {
      clock += milliseconds;
      return Promise.resolve();
    },
    now: () => clock,
  };
}
