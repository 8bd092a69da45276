import { metrics } from "@opentelemetry/api";
import mongoose, { type Connection, type Model } from "mongoose";
import { fileStoreCollections } from "./file-store.js";

export interface MongoOptions {
  uri: string;
  /** Each service owns its own database. */
  dbName: string;
  serverSelectionTimeoutMs?: number;
  /** Connections to the store (default 20: see writeInGroups on FerretDB's own pool). */
  maxPoolSize?: number;
}

/** Update and delete statements one command carries at most (writeInGroups). */
export const STATEMENTS_AT_ONCE = 8;

/**
 * A bulk write in commands of a few statements: the inserts in one command, the updates, replaces
 * and deletes STATEMENTS_AT_ONCE a command, one command after the other. FerretDB 1.24 holds one of
 * its PostgreSQL connections per update or delete statement until the command ends and waits for a
 * free one for the next statement: a command of as many statements as its pool has connections (or
 * several commands in flight that together need more) waits forever, and every other command with
 * it (docs/platform.md, "Keep the statements in flight below FerretDB's pool").
 */
export async function writeInGroups<T extends mongoose.mongo.Document>(col: mongoose.mongo.Collection<T>, ops: mongoose.mongo.AnyBulkWriteOperation<T>[]): Promise<void> {
  const inserts = ops.filter((o) => "insertOne" in o);
  const rest = ops.filter((o) => !("insertOne" in o));
  if (inserts.length > 0) await col.bulkWrite(inserts, { ordered: false });
  for (let i = 0; i < rest.length; i += STATEMENTS_AT_ONCE) await col.bulkWrite(rest.slice(i, i + STATEMENTS_AT_ONCE), { ordered: false });
}

/**
 * Opens a dedicated connection (never mongoose's global one, so tests and services can hold
 * several). Index building is explicit — see ensureIndexes — rather than on first use.
 * Only features both MongoDB 7+ and FerretDB offer are used: no transactions, change streams,
 * $lookup, TTL or partial indexes.
 */
export async function connectMongo(opts: MongoOptions): Promise<Connection> {
  const conn = mongoose.createConnection(opts.uri, {
    dbName: opts.dbName,
    autoIndex: false,
    autoCreate: false,
    // An undefined field is absent, never null (domain types use undefined for "not set").
    ignoreUndefined: true,
    // FerretDB serves every request from its own backend connection pool, which every service's
    // commands in flight share (and can exhaust: writeInGroups): keep ours modest.
    maxPoolSize: opts.maxPoolSize ?? 20,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 5000,
    // Every command is counted by name and collection (kuayu_store_commands_total): what each
    // collection costs the store, the figure `make bench-drill` breaks down per filing.
    monitorCommands: true,
  });
  const counter = metrics.getMeter("kuayu").createCounter("kuayu_store_commands_total", { description: "Commands sent to the store, by command and collection" });
  conn.getClient().on("commandStarted", (e) => {
    const target: unknown = e.commandName === "getMore" ? e.command.collection : e.command[e.commandName];
    counter.add(1, { command: e.commandName, collection: typeof target === "string" ? target : "" });
  });
  await conn.asPromise();
  return conn;
}

/** Creates the declared indexes of every model (idempotent; run at start-up). */
export async function ensureIndexes(models: Model<never>[] | Model<any>[]): Promise<void> {
  for (const m of models) {
    await m.createCollection().catch((err: { codeName?: string; code?: number }) => {
      if (err.code !== 48 && err.codeName !== "NamespaceExists") throw err;
    });
    await m.createIndexes();
  }
}

/**
 * Creates collections (and indexes) before traffic arrives. On FerretDB a collection created by
 * its first insert takes a metadata lock while other requests hold the backend's connections, and
 * under load that has deadlocked the server; so every collection a service writes — models,
 * locks, sequences, GridFS buckets — is created at start-up.
 */
export async function ensureCollections(conn: Connection, specs: { name: string; indexes?: { keys: Record<string, 1 | -1>; unique?: boolean }[] }[]): Promise<void> {
  const db = conn.db!;
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const spec of specs) {
    if (!existing.has(spec.name)) {
      await db.createCollection(spec.name).catch((err: { code?: number; codeName?: string }) => {
        if (err.code !== 48 && err.codeName !== "NamespaceExists") throw err;
      });
    }
    for (const ix of spec.indexes ?? []) await db.collection(spec.name).createIndex(ix.keys, { unique: ix.unique ?? false });
  }
}

/** The collections of sequences (createSequences) and of file stores (gridFsFileStore). */
export function coordinationCollections(...fileBuckets: string[]) {
  return [{ name: "sequences" }, { name: "sequences_spares" }, ...fileBuckets.flatMap(fileStoreCollections)];
}

/** Round trip to the store; throws when it is unreachable. */
export async function pingMongo(conn: Connection): Promise<void> {
  const db = conn.db;
  if (!db) throw new Error("not connected");
  await db.admin().command({ ping: 1 });
}

/** A readiness check of the store (for @kuayu/grpc startServer `readiness`): a ping. */
export const storeReadiness = (conn: Connection) => ({ name: "store", check: () => pingMongo(conn) });

/** True for a duplicate-key error (E11000), the store's answer to a replayed unique insert. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number })?.code === 11000;
}

export { createSequences, type Sequences } from "./sequence.js";
export { gridFsFileStore, fileStoreCollections, type FileGroup, type FileStore } from "./file-store.js";
export { createWatchHub, findChangedSince, tickOf, TICK_MS, type Changed, type WatchHub } from "./watch-hub.js";
export { contentStore, contentCollections, type ContentStore } from "./content-store.js";
export * from "./retention.js";
