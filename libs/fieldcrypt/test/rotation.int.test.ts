// Key rotation on the real store with the command operators run (kuayu-fieldcrypt): a service keeps
// sealing and opening values while the master key is rotated and its data keys re-wrapped; after it,
// the old master key can go, every value stays readable, and new data keys are wrapped by the new one.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connectMongo } from "@kuayu/mongo";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";
import type { Connection } from "mongoose";
import { main } from "../src/cli";
import { createMasterKey, DATA_KEYS_COLLECTION, fieldCryptFromEnv, type DataKeyDoc } from "../src";

let conn: Connection;
const dbName = uniqueName("fieldcrypt_rotation");
const dir = mkdtempSync(path.join(tmpdir(), "fieldcrypt-rotation-"));
const env = { MONGO_URI: infra.mongoUri, FIELDCRYPT_MASTER_KEY_DIR: dir };
const keyDocs = () => conn.db!.collection<DataKeyDoc>(DATA_KEYS_COLLECTION).find({}).toArray();

beforeAll(async () => {
  await assertInfraUp();
  conn = await connectMongo({ uri: infra.mongoUri, dbName });
  createMasterKey(dir, new Date("2026-01-01T00:00:00Z"));
});
afterAll(async () => {
  for (const alg of ["aes256gcm", "sm4"]) await conn.useDb(`${dbName}_${alg}`).dropDatabase();
  await conn.dropDatabase();
  await conn.close();
  rmSync(dir, { recursive: true, force: true });
});

it.each(["aes-256-gcm", "sm4"])("rotates the master key under a running service without downtime (%s)", async (algorithm) => {
  const settings = { ...env, FIELDCRYPT_ALGORITHM: algorithm };
  const db = conn.useDb(`${dbName}_${algorithm.replace(/-/g, "")}`).db!;
  const service = await fieldCryptFromEnv(db, settings);
  const before = service.encrypt("11010519491231002X");
  const oldMaster = (await db.collection<DataKeyDoc>(DATA_KEYS_COLLECTION).findOne({ _id: { $ne: "blind-index" } }))!.masterKeyId;

  // The service seals and opens all along the rotation.
  let running = true;
  const during: string[] = [];
  const traffic = (async () => {
    while (running) {
      const v = service.encrypt(`1380013${String(during.length).padStart(4, "0")}`);
      expect(await service.decrypt(v)).toBe(`1380013${String(during.length).padStart(4, "0")}`);
      during.push(v);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const out: string[] = [];
  expect(await main(["rotate-master", "--db", db.databaseName], settings, (s) => out.push(s))).toBe(0);
  running = false;
  await traffic;
  expect(during.length).toBeGreaterThan(0);
  const newMaster = /new master key (mk-\S+)/.exec(out[0]!)![1]!;
  expect(newMaster).not.toBe(oldMaster);
  expect(out[1]).toMatch(new RegExp(`2 data keys re-wrapped with ${newMaster}`)); // the data key and the blind-index key
  const docs = await db.collection<DataKeyDoc>(DATA_KEYS_COLLECTION).find({}).toArray();
  expect(docs.map((d) => d.masterKeyId)).toEqual(docs.map(() => newMaster));

  // The old master key retired: a restarted service opens everything with the new one alone.
  rmSync(path.join(dir, `${oldMaster}.key`));
  const restarted = await fieldCryptFromEnv(db, settings);
  expect(await restarted.decrypt(before)).toBe("11010519491231002X");
  for (const v of during) expect(await restarted.decrypt(v)).toMatch(/^1380013\d{4}$/);
  expect(restarted.blindIndex("resident-id", "11010519491231002X")).toBe(service.blindIndex("resident-id", "11010519491231002X"));

  // A new data key: wrapped by the new master; new values use it; the running service follows on its next read.
  expect(await main(["rotate-data-key", "--db", db.databaseName], settings, () => undefined)).toBe(0);
  const newest = (
    await db
      .collection<DataKeyDoc>(DATA_KEYS_COLLECTION)
      .find({ _id: { $ne: "blind-index" } })
      .toArray()
  )
    .sort((a, b) => a._id.localeCompare(b._id))
    .at(-1)!;
  expect(newest.masterKeyId).toBe(newMaster);
  await service.refresh();
  expect(service.encrypt("x")).toContain(`:${newest._id}:`);
  expect(await service.decrypt(before)).toBe("11010519491231002X");
  service.close();
  restarted.close();
  expect(readdirSync(dir)).toEqual([`${newMaster}.key`]);
});

it("refuses bad usage with the usage text", async () => {
  const out: string[] = [];
  expect(await main(["rotate-master"], env, (s) => out.push(s))).toBe(2);
  expect(out.join("\n")).toMatch(/kuayu-fieldcrypt rotate-master/);
  expect(await main(["status", "--db", dbName, "--bogus"], env, (s) => out.push(s))).toBe(2);
  expect(await keyDocs()).toEqual([]);
});
