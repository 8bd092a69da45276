import type { Logger } from "@kuayu/logger";

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Runs shutdown steps in the order given (docs/platform.md (house rules): NOT_SERVING → stop consuming → disconnect
 * consumer → drain gRPC → flush producer → flush telemetry), each bounded so that the whole stays
 * within the grace period. A step that fails or times out is logged and the next one runs.
 */
export async function runShutdown(steps: ShutdownStep[], log: Logger, graceMs: number): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  let clean = true;
  for (const step of steps) {
    const left = Math.max(deadline - Date.now(), 100);
    try {
      await withTimeout(Promise.resolve().then(step.run), left, step.name);
      log.info({ step: step.name }, "shutdown step done");
    } catch (err) {
      clean = false;
      log.error({ step: step.name, err }, "shutdown step failed");
    }
  }
  return clean;
}

/** Resolves with p, or rejects after ms — for calls that must not hang (disconnects, drains). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Calls onSignal once on SIGTERM or SIGINT, then exits with its result (0 when clean).
 * A second signal exits at once.
 */
export function handleSignals(onSignal: () => Promise<boolean>, log: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    onSignal().then(
      (clean) => process.exit(clean ? 0 : 1),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
