import { trace } from "@opentelemetry/api";
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Keys whose values never reach a log line: personal data of parties (ID numbers, phones,
 * addresses) and credentials. Matched at the top level and one level down.
 */
const SECRET_KEYS = ["idNumber", "idCardNumber", "residentId", "creditCode", "phone", "mobile", "email", "address", "authorization", "token", "password", "secret"];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** JSON logger carrying the service name and, inside a span, its trace and span ids. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: opts.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    opts.destination,
  );
}
