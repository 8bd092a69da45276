import { Kafka, logLevel } from "kafkajs";
import { MongoClient } from "mongodb";
import type { Command } from "commander";
import { calendarFileOf, calendarOption, calendarStatus, formatCalendarStatus, readCliCalendar } from "./calendar.js";
import { kafkaSecurity } from "./kafka.js";
import { print } from "./output.js";

interface Check {
  component: string;
  address: string;
  reachable: boolean;
  latencyMs?: number;
  detail: string;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await f();
  return [v, Math.round(performance.now() - t)];
}

async function checkBroker(brokers: string[]): Promise<Check> {
  const admin = new Kafka({ clientId: "kuayu-cli", brokers, ...kafkaSecurity(), logLevel: logLevel.NOTHING, connectionTimeout: 5000, retry: { retries: 1 } }).admin();
  try {
    const [cluster, ms] = await timed(async () => {
      await admin.connect();
      return admin.describeCluster();
    });
    return { component: "kafka", address: brokers.join(","), reachable: true, latencyMs: ms, detail: `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)` };
  } catch (err) {
    // A broker that asks for SASL closes the connection of a client that does not authenticate.
    const hint =
      kafkaSecurity().sasl || !/closed connection|sasl/i.test((err as Error).message)
        ? ""
        : " (no broker credentials: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE)";
    return { component: "kafka", address: brokers.join(","), reachable: false, detail: `${(err as Error).message}${hint}` };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function checkStore(uri: string): Promise<Check> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const [info, ms] = await timed(async () => {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      return client.db("admin").command({ buildInfo: 1 });
    });
    return { component: "store", address: uri, reachable: true, latencyMs: ms, detail: `MongoDB wire, version ${info.version}${info.ferretdb ? ` (FerretDB ${info.ferretdb.version})` : ""}` };
  } catch (err) {
    return { component: "store", address: uri, reachable: false, detail: (err as Error).message };
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function infraStatusCommand(cmd: Command): void {
  calendarOption(
    cmd
      .description("is the broker reachable, is the store reachable (exit 1 if not); how long the official holiday calendar lasts (exit 1 if its file is bad)")
      .option("--brokers <list>", "Kafka bootstrap servers", process.env.KAFKA_BROKERS ?? "127.0.0.1:9092")
      .option("--mongo <uri>", "MongoDB URI", process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017")
      .option("--json", "machine-readable output"),
  ).action(async (o: { brokers: string; mongo: string; calendar?: string; json?: boolean }) => {
    const checks = await Promise.all([checkBroker(o.brokers.split(",")), checkStore(o.mongo)]);
    const calendar = calendarStatus(readCliCalendar(calendarFileOf(o.calendar)), new Date());
    const ok = checks.every((c) => c.reachable) && calendar.ok;
    print(o.json, { ok, checks, calendar }, () =>
      [...checks.map((c) => `${c.component.padEnd(6)} ${c.reachable ? "reachable  " : "UNREACHABLE"} ${c.address}  ${c.latencyMs ?? "-"} ms  ${c.detail}`), formatCalendarStatus(calendar)].join("\n"),
    );
    process.exitCode = ok ? 0 : 1;
  });
}
