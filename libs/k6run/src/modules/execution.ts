// The "k6/execution" module (the parts k6run knows about).
import { TestAbort, current, elapsedMs, runtime } from "../context.js";

export const vu = {
  get idInInstance(): number {
    return current().vu;
  },
  get idInTest(): number {
    return current().vu;
  },
  get iterationInInstance(): number {
    return current().iter;
  },
  get iterationInScenario(): number {
    return current().iter;
  },
};

export const scenario = {
  get name(): string {
    return current().scenario?.name ?? "";
  },
  get executor(): string {
    return current().scenario?.executor ?? "";
  },
  get startTime(): number {
    return current().scenario?.startTimeMs ?? 0;
  },
  get iterationInInstance(): number {
    return current().iterationInTest;
  },
  get iterationInTest(): number {
    return current().iterationInTest;
  },
};

export const instance = {
  get vusActive(): number {
    return runtime.vusActive;
  },
  get vusInitialized(): number {
    return runtime.vusInitialized;
  },
  get iterationsCompleted(): number {
    return runtime.iterationsCompleted;
  },
  get iterationsInterrupted(): number {
    return runtime.iterationsInterrupted;
  },
  get currentTestRunDuration(): number {
    return elapsedMs();
  },
};

export const test = {
  /** Ends the whole test now (exit code 108, as in k6); teardown and the summary still run. */
  abort(reason = "test aborted"): never {
    runtime.onAbort(reason);
    throw new TestAbort(reason);
  },
  get options(): Record<string, unknown> {
    return runtime.options;
  },
};
