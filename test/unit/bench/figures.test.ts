import { expect } from 'chai';
import fc from 'fast-check';
import {
  goPackageOf,
  moduleOfUrl,
  summariseCpuProfiles,
  summarisePprofTop,
} from '../../../scripts/bench/cpu-profile';
import { rssGrowth, soakMemory } from '../../../scripts/bench/rss';
import { openLoopSchedule, runOpenLoop } from '../../../scripts/bench/schedule';
import { percentile, summarise } from '../../../scripts/bench/stats';
import { targetsOf, targetTable, type TargetFigures } from '../../../scripts/bench/targets';

describe("the benchmark's figures", () => {
  describe('percentiles', () => {
    it('takes the nearest rank: the least value with at least q of the values at or below it', () => {
      const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
      expect(percentile(sorted, 0.5)).to.equal(50);
      expect(percentile(sorted, 0.95)).to.equal(95);
      expect(percentile(sorted, 0.99)).to.equal(99);
      expect(percentile(sorted, 1)).to.equal(100);
      expect(percentile(sorted, 0)).to.equal(1);
      expect(percentile([7], 0.99)).to.equal(7);
      expect(percentile([], 0.5)).to.equal(0);
    });

    it('refuses a quantile outside 0..1', () => {
      expect(() => percentile([1], 1.5)).to.throw(RangeError, /from 0 to 1/);
      expect(() => percentile([1], Number.NaN)).to.throw(RangeError);
    });

    it('summarises unsorted samples, every percentile one of them and in order', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1 }), (values) => {
          const summary = summarise(values);
          expect(summary.count).to.equal(values.length);
          expect(values).to.include(summary.p50);
          expect(summary.p50).to.be.at.most(summary.p95);
          expect(summary.p95).to.be.at.most(summary.p99);
          expect(summary.p99).to.be.at.most(summary.max);
          expect(summary.max).to.equal(Math.max(...values));
        }),
      );
      expect(summarise([300, 100, 200])).to.deep.include({ p50: 200, mean: 200, max: 300 });
    });
  });

  describe('the open-loop schedule', () => {
    it('spaces arrivals 1000 / rate ms apart, all before the end', () => {
      expect(openLoopSchedule(4, 1)).to.deep.equal([0, 250, 500, 750]);
      expect(openLoopSchedule(8.5, 2)).to.have.length(17);
      expect(openLoopSchedule(0.5, 3)).to.deep.equal([0, 2000]);
    });

    it('holds rate × seconds arrivals, rounded up', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0.1, max: 500, noNaN: true }),
          fc.integer({ min: 1, max: 120 }),
          (rate, seconds) => {
            const schedule = openLoopSchedule(rate, seconds);
            expect(schedule.length).to.be.within(rate * seconds - 1e-6, rate * seconds + 1);
            expect(schedule.at(-1)!).to.be.below(seconds * 1000);
          },
        ),
      );
    });

    it('refuses a rate or a length that is not positive', () => {
      expect(() => openLoopSchedule(0, 60)).to.throw(RangeError, /arrival rate/);
      expect(() => openLoopSchedule(Number.POSITIVE_INFINITY, 60)).to.throw(RangeError);
      expect(() => openLoopSchedule(5, 0)).to.throw(RangeError, /seconds/);
    });

    it('sends on schedule without waiting for answers, latency counted from the scheduled time', async () => {
      let now = 0;
      const clock = {
        now: () => now,
        sleep: (ms: number) => {
          now += ms;
          return Promise.resolve();
        },
      };
      const sentAt: number[] = [];
      const answers: Array<(at: number) => void> = [];
      const running = runOpenLoop(
        [0, 100, 200],
        (index) => {
          sentAt.push(now);
          // The first request is sent 30 ms late by a busy sender.
          if (index === 0) now += 30;
          return new Promise<number>((resolveAnswer) => answers.push(resolveAnswer));
        },
        clock,
      );
      await new Promise((resolveTick) => setImmediate(resolveTick));
      expect(sentAt).to.deep.equal([0, 100, 200]);
      answers[0]!(500);
      answers[1]!(450);
      answers[2]!(700);
      const result = await running;
      expect(result.latencies.sort((a, b) => a - b)).to.deep.equal([350, 500, 500]);
      expect(result.maxInFlight).to.equal(3);
      expect(result.sendLags).to.deep.equal([0, 0, 0]);
      expect(result.elapsedMs).to.equal(700);
      expect(result.errors).to.equal(0);
    });

    it('counts a failed request as an error, not a latency', async () => {
      const clock = { now: () => 0, sleep: () => Promise.resolve() };
      const result = await runOpenLoop(
        [0, 0],
        (index) => (index === 0 ? Promise.reject(new Error('refused')) : Promise.resolve(10)),
        clock,
      );
      expect(result).to.deep.include({ errors: 1, firstError: 'refused', latencies: [10] });
    });
  });

  describe('RSS growth', () => {
    it('compares the means of the last and the first 10 % of the samples', () => {
      const samples = [
        ...Array.from({ length: 10 }, () => 100),
        ...Array.from({ length: 80 }, () => 105),
        ...Array.from({ length: 10 }, () => 120),
      ];
      expect(rssGrowth(samples)).to.be.closeTo(0.2, 1e-9);
      expect(rssGrowth([200, 150])).to.be.closeTo(-0.25, 1e-9);
      expect(rssGrowth([100, 100, 100])).to.equal(0);
    });

    it('is undefined with fewer than two samples', () => {
      expect(rssGrowth([])).to.be.undefined;
      expect(rssGrowth([100])).to.be.undefined;
    });

    it('leaves the warm-up out and names the process that grew most', () => {
      const samples = Array.from({ length: 21 }, (_, index) => ({
        atMs: index * 1000,
        rss: {
          // Grows fast while warming up (the first 5 s), then is flat.
          worker: index < 5 ? 10 * (index + 1) : 100,
          // Grows by 50 % between the first and the last sample after the warm-up.
          peer: index < 5 ? 1 : 100 + (50 * (index - 5)) / 15,
        },
      }));

      const memory = soakMemory(samples, 5000);

      expect(memory.byProcess.worker!.growth).to.equal(0);
      expect(memory.byProcess.peer!.growth).to.equal(0.5);
      expect(memory.byProcess.peer!.samples).to.equal(16);
      expect(memory.rssGrowth).to.equal(0.5);
      expect(memory.worstProcess).to.equal('peer');
    });

    it('has no growth when too few samples follow the warm-up', () => {
      const memory = soakMemory([{ atMs: 0, rss: { peer: 1 } }], 1000);
      expect(memory).to.deep.equal({ rssGrowth: null, worstProcess: null, byProcess: {} });
    });
  });

  describe('the targets', () => {
    const result: TargetFigures = {
      raw: { tps: 200, lone: { p50Ms: 150 } },
      consensus: {
        perSecond: 120,
        conflicts: 0,
        lone: { p50Ms: 500 },
        halfLoad: { p95Ms: 610 },
      },
      batched: [
        { size: 1, recordsPerSecond: 10 },
        { size: 1000, recordsPerSecond: 3900 },
      ],
      soak: { rssGrowth: 0.04 },
    };

    it('sets each target from the same run, with required, measured and met', () => {
      expect(targetsOf(result)).to.deep.equal([
        {
          name: 'consensus.perSecond ≥ 0.5 × raw.tps',
          required: '≥ 100 /s',
          measured: '120 /s',
          met: true,
        },
        {
          name: 'consensus.lone.p50Ms ≤ 3 × raw.lone.p50Ms',
          required: '≤ 450 ms',
          measured: '500 ms',
          met: false,
        },
        {
          name: 'consensus.halfLoad.p95Ms ≤ 4 × raw.lone.p50Ms',
          required: '≤ 600 ms',
          measured: '610 ms',
          met: false,
        },
        {
          name: 'batches of 1000: records/s ≥ 20 × raw.tps',
          required: '≥ 4000 records/s',
          measured: '3900 records/s',
          met: false,
        },
        {
          name: 'consensus.conflicts = 0 (MVCC and phantom-read invalidations)',
          required: '0',
          measured: '0',
          met: true,
        },
        { name: 'soak.rssGrowth < 0.10', required: '< 0.10', measured: '0.040', met: true },
      ]);
    });

    it('meets a target at its bound and misses it past the bound', () => {
      const atBounds = targetsOf({
        ...result,
        consensus: { perSecond: 100, conflicts: 1, lone: { p50Ms: 450 }, halfLoad: { p95Ms: 600 } },
        batched: [{ size: 1000, recordsPerSecond: 4000 }],
        soak: { rssGrowth: 0.1 },
      });
      expect(atBounds.map((target) => target.met)).to.deep.equal([
        true,
        true,
        true,
        true,
        false,
        false,
      ]);
    });

    it('says what a shortened run did not measure, neither met nor missed', () => {
      const targets = targetsOf({
        raw: { tps: 200, lone: null },
        consensus: { perSecond: 120, conflicts: 0, lone: null, halfLoad: null },
        batched: [],
        soak: null,
      });
      expect(targets.map((target) => [target.measured, target.met])).to.deep.equal([
        ['120 /s', true],
        ['not measured', null],
        ['not measured', null],
        ['not measured', null],
        ['0', true],
        ['not measured', null],
      ]);
    });

    it('prints a Markdown table, one row per target', () => {
      const table = targetTable(targetsOf(result)).split('\n');
      expect(table[0]).to.equal('| target | required | measured | met |');
      expect(table).to.have.length(8);
      expect(table[2]).to.equal(
        '| consensus.perSecond ≥ 0.5 × raw.tps | ≥ 100 /s | 120 /s | yes |',
      );
      expect(table[3]).to.match(/ \| no \|$/);
    });
  });

  describe('CPU profile summaries', () => {
    it('names the module of a script: its package, node itself, or the project file', () => {
      expect(moduleOfUrl('file:///r/node_modules/@grpc/grpc-js/build/src/x.js', '/r')).to.equal(
        '@grpc/grpc-js',
      );
      expect(moduleOfUrl('/r/node_modules/a/node_modules/fabric-shim/lib/h.js', '/r')).to.equal(
        'fabric-shim',
      );
      expect(moduleOfUrl('node:internal/streams/readable', '/r')).to.equal('node');
      expect(moduleOfUrl('file:///r/gateway/dist/worker/worker.js', '/r')).to.equal(
        'gateway/dist/worker/worker.js',
      );
      expect(moduleOfUrl('')).to.equal('(native)');
    });

    it('adds self time by function and module over profiles, idle left out', () => {
      const profile = {
        startTime: 0,
        endTime: 4000, // 4 samples over 4 ms: 1 ms each
        nodes: [
          { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
          {
            id: 2,
            callFrame: { functionName: 'hash', url: '/r/node_modules/x/a.js', lineNumber: 9 },
          },
          { id: 3, callFrame: { functionName: '', url: 'node:fs', lineNumber: 0 } },
        ],
        samples: [1, 2, 2, 3],
      };
      const summary = summariseCpuProfiles([profile, profile], 5, '/r');
      expect(summary.busyMs).to.equal(6);
      expect(summary.topFunctions).to.deep.equal([
        { name: 'hash (x:10)', ms: 4, share: 0.667 },
        { name: '(anonymous) (node:1)', ms: 2, share: 0.333 },
      ]);
      expect(summary.topModules.map((entry) => entry.name)).to.deep.equal(['x', 'node']);
    });

    it("reads go tool pprof's -top rows, by function and by package", () => {
      const text = [
        'File: peer',
        'Showing nodes accounting for 300ms, 100% of 300ms total',
        '      flat  flat%   sum%        cum   cum%',
        '     150ms 50.00% 50.00%      150ms 50.00%  runtime.mallocgc',
        '     0.10s 33.33% 83.33%      0.20s 66.67%  github.com/hyperledger/fabric/core/ledger.(*kvLedger).commit',
        '      50ms 16.67%   100%       50ms 16.67%  runtime.memmove (inline)',
      ].join('\n');
      const summary = summarisePprofTop(text, 3, 2);
      expect(summary.busyMs).to.equal(300);
      expect(summary.topFunctions.map((entry) => entry.name)).to.deep.equal([
        'runtime.mallocgc',
        'github.com/hyperledger/fabric/core/ledger.(*kvLedger).commit',
      ]);
      expect(summary.topModules).to.deep.equal([
        { name: 'runtime', ms: 200, share: 0.667 },
        { name: 'github.com/hyperledger/fabric/core/ledger', ms: 100, share: 0.333 },
      ]);
      expect(summary.topFabric).to.deep.equal([
        { name: 'core/ledger.(*kvLedger).commit', ms: 200, share: 0.667 },
      ]);
      expect(goPackageOf('crypto/internal/fips140/nistec.(*P256Point).ScalarMult')).to.equal(
        'crypto/internal/fips140/nistec',
      );
    });
  });
});
