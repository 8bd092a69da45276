import mongoose, { type Connection, type Model } from "mongoose";

export interface MongoOptions {
  uri: string;
  /** Each service owns its own database. */
  dbName: string;
  serverSelectionTimeoutMs?: number;
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
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 5000,
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

/** Round trip to the store; throws when it is unreachable. */
export async function pingMongo(conn: Connection): Promise<void> {
  const db = conn.db;
  if (!db) throw new Error("not connected");
  await db.admin().command({ ping: 1 });
}

/** True for a duplicate-key error (E11000), the store's answer to a replayed unique insert. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number })?.code === 11000;
}

export { createLocks, LockBusyError, type Locks, type LockOptions } from "./lock.js";
export { createSequences, type Sequences } from "./sequence.js";
export { gridFsFileStore, type FileStore } from "./file-store.js";
export { createWatchHub, type Changed, type WatchHub } from "./watch-hub.js";
