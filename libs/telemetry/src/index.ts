import { metrics } from "@opentelemetry/api";

export const TELEMETRY_KEY = Symbol.for("kuayu.telemetry");

/** Flushes and stops telemetry, if register.ts started it (last step of shutdown). */
export async function shutdownTelemetry(): Promise<void> {
  const sdk = (globalThis as Record<symbol, { shutdown(): Promise<void> } | undefined>)[TELEMETRY_KEY];
  await sdk?.shutdown();
}

/** The meter for Kuayu's own metrics; a no-op until register.ts has run. */
export const meter = () => metrics.getMeter("kuayu");
