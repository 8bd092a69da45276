// Runs scenarios as k6's executors do, all concurrently, each after its startTime. A VU is its own
// instance of the script module (its own init context and module state); iterations of one VU run
// one after another, VUs interleave on the event loop.
import { TestAbort, als, builtin, runtime, type VuState } from "./context.js";
import type { Scenario } from "./options.js";

export interface Vu {
  id: number;
  module: Record<string, unknown>;
  /** __ITER of the next iteration. */
  iter: number;
  busy: boolean;
  /** Interrupted at the end of gracefulStop: its late results are not counted. */
  retired: boolean;
  data?: unknown;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class Engine {
  private stoppedAt: number | undefined;
  private readonly stopWaiters: (() => void)[] = [];

  /** setup()'s result as JSON; each VU gets its own copy, as in k6. */
  setupData: string | undefined;

  constructor(
    /** A new VU (a fresh instance of the script, initialized). */
    private readonly newVu: () => Promise<Vu>,
  ) {}

  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Starts no new iterations; running ones get their scenario's gracefulStop. */
  stop(): void {
    if (this.stoppedAt !== undefined) return;
    this.stoppedAt = performance.now();
    for (const w of this.stopWaiters.splice(0)) w();
  }

  /** Waits ms, or less if the test is stopped. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      this.stopWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  async run(scenarios: readonly Scenario[], vus: ReadonlyMap<string, Vu[]>): Promise<void> {
    await Promise.all(
      scenarios.map(async (sc) => {
        await this.sleep(sc.startTimeMs);
        if (!this.stopped) await this.scenario(sc, vus.get(sc.name) ?? []);
      }),
    );
  }

  private scenario(sc: Scenario, vus: Vu[]): Promise<void> {
    switch (sc.executor) {
      case "shared-iterations":
        return this.sharedIterations(sc, vus);
      case "per-vu-iterations":
        return this.perVuIterations(sc, vus);
      case "constant-vus":
        return this.constantVus(sc, vus);
      case "constant-arrival-rate":
        return this.constantArrivalRate(sc, vus);
    }
  }

  /** One iteration of the scenario's exec function on a VU; an exception fails only the iteration. */
  async iterate(vu: Vu, sc: Scenario, iterationInTest: number): Promise<void> {
    const fn = vu.module[sc.exec];
    if (typeof fn !== "function") throw new Error(`scenario "${sc.name}": the script exports no function "${sc.exec}"`);
    const state: VuState = { phase: "vu", vu: vu.id, iter: vu.iter++, iterationInTest, scenario: sc, group: "", env: Object.keys(sc.env).length > 0 ? { ...runtime.env, ...sc.env } : runtime.env };
    if (vu.data === undefined && this.setupData !== undefined) vu.data = JSON.parse(this.setupData);
    vu.busy = true;
    const t0 = performance.now();
    try {
      await als.run(state, () => fn(vu.data));
    } catch (err) {
      if (err instanceof TestAbort) this.stop();
      else runtime.reportError(err, state);
    } finally {
      vu.busy = false;
    }
    if (vu.retired) return;
    const tags = { scenario: sc.name, ...sc.tags };
    builtin("iterations").add(1, tags);
    builtin("iteration_duration").add(performance.now() - t0, tags);
    runtime.iterationsCompleted++;
  }

  /** Runs a VU's loop while counting it as active. */
  private async active(loop: () => Promise<void>, count = 1): Promise<void> {
    runtime.vusActive += count;
    builtin("vus").add(runtime.vusActive);
    try {
      await loop();
    } finally {
      runtime.vusActive -= count;
    }
  }

  /**
   * Waits for the scenario's work; once `deadline` (or a stop) has passed, waits at most
   * gracefulStop more and then leaves the VUs still busy behind as interrupted.
   */
  private async finish(sc: Scenario, work: Promise<unknown>, deadline: number, vus: readonly Vu[]): Promise<void> {
    let done = false;
    work.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      if (done) return;
      const limit = Math.min(deadline, this.stoppedAt ?? Infinity) + sc.gracefulStopMs;
      const left = limit - performance.now();
      if (left <= 0) break;
      await Promise.race([work, delay(Math.min(left, 200))]);
    }
    for (const vu of vus) {
      if (vu.busy && !vu.retired) runtime.iterationsInterrupted++;
      vu.retired = true;
    }
  }

  private async sharedIterations(sc: Scenario, vus: Vu[]): Promise<void> {
    const deadline = performance.now() + sc.maxDurationMs;
    let next = 0;
    const work = Promise.all(
      vus.map((vu) =>
        this.active(async () => {
          while (!this.stopped && !vu.retired && performance.now() < deadline) {
            const i = next++;
            if (i >= sc.iterations) return;
            await this.iterate(vu, sc, i);
          }
        }),
      ),
    );
    await this.finish(sc, work, deadline, vus);
  }

  private async perVuIterations(sc: Scenario, vus: Vu[]): Promise<void> {
    const deadline = performance.now() + sc.maxDurationMs;
    const work = Promise.all(
      vus.map((vu, v) =>
        this.active(async () => {
          for (let i = 0; i < sc.iterations && !this.stopped && !vu.retired && performance.now() < deadline; i++) await this.iterate(vu, sc, v * sc.iterations + i);
        }),
      ),
    );
    await this.finish(sc, work, deadline, vus);
  }

  private async constantVus(sc: Scenario, vus: Vu[]): Promise<void> {
    const deadline = performance.now() + sc.durationMs;
    let next = 0;
    const work = Promise.all(
      vus.map((vu) =>
        this.active(async () => {
          while (!this.stopped && !vu.retired && performance.now() < deadline) await this.iterate(vu, sc, next++);
        }),
      ),
    );
    await this.finish(sc, work, deadline, vus);
  }

  /**
   * Starts `rate` iterations per `timeUnit` whether or not earlier ones finished, each on a free VU;
   * grows the pool up to maxVUs, and counts a start without a VU in dropped_iterations.
   */
  private async constantArrivalRate(sc: Scenario, vus: Vu[]): Promise<void> {
    const start = performance.now();
    const deadline = start + sc.durationMs;
    const interval = sc.timeUnitMs / sc.rate;
    const pool = [...vus];
    const free = [...vus];
    const running = new Set<Promise<void>>();
    let growing = 0;
    const loop = async () => {
      for (let k = 0; !this.stopped; k++) {
        const at = start + k * interval;
        if (at >= deadline) break;
        await this.sleep(at - performance.now());
        if (this.stopped) break;
        let vu = free.pop();
        if (!vu && pool.length + growing < sc.maxVUs) {
          growing++;
          try {
            vu = await this.newVu();
          } finally {
            growing--;
          }
          pool.push(vu);
          runtime.vusActive++;
        }
        if (!vu) {
          builtin("dropped_iterations").add(1, { scenario: sc.name });
          continue;
        }
        const v = vu;
        const p = this.iterate(v, sc, k).finally(() => {
          running.delete(p);
          free.push(v);
        });
        running.add(p);
      }
      while (running.size > 0) await Promise.race(running);
    };
    const before = pool.length;
    await this.finish(
      sc,
      this.active(loop, before).then(() => (runtime.vusActive -= pool.length - before)),
      deadline,
      pool,
    );
  }
}
