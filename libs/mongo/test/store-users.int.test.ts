// Least privilege in the store (real FerretDB on PostgreSQL, as `make up` and `make test` start it):
// each service logs in as its own user (scripts/infra/infra.sh, ferretdb-service-roles.sql), which
// reads and writes its own database and is refused every read and write of another service's.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { mongo } from "mongoose";
import { assertInfraUp, infra, spawnService, testKeys, uniqueName, type ServiceProcess } from "@kuayu/testkit";

const SERVICES = ["intake", "decision", "notification", "supervision"] as const;
type Service = (typeof SERVICES)[number];
const ROOT = resolve(__dirname, "../../..");
const password = (s: Service) => readFileSync(resolve(ROOT, `.secrets/mongo/${s}.password`), "utf8").trim();
/** The MONGO_URI `make up` gives a service (infra.sh mongo-uri): its own user, PLAIN. */
const uriOf = (s: Service, pw = password(s)) => {
  const u = new URL(infra.mongoUri);
  return `mongodb://kuayu_${s}:${encodeURIComponent(pw)}@${u.host}/?authMechanism=PLAIN`;
};
const client = (uri: string) => new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 5000 });

const collection = uniqueName("least_privilege");
const running: ServiceProcess[] = [];
const clients = new Map<Service, mongo.MongoClient>();
let admin: mongo.MongoClient;

beforeAll(async () => {
  await assertInfraUp();
  let backend = "unknown";
  try {
    backend = readFileSync(resolve(ROOT, ".data/pids/ferretdb.backend"), "utf8").trim();
  } catch {
    // not started by this checkout's infra.sh
  }
  if (backend !== "postgresql") throw new Error(`the store users live in PostgreSQL: start the store with scripts/infra/infra.sh (backend postgresql), not ${backend}`);
  admin = client(infra.mongoUri);
  for (const s of SERVICES) clients.set(s, client(uriOf(s)));
  // What each database holds before the others try: one document, written by the admin.
  for (const s of SERVICES)
    await admin
      .db(`kuayu_${s}`)
      .collection(collection)
      .insertOne({ _id: `doc-${s}` as never, owner: s, n: 1 });
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  for (const s of SERVICES)
    await admin
      ?.db(`kuayu_${s}`)
      .collection(collection)
      .drop()
      .catch(() => undefined);
  await Promise.all([...clients.values()].map((c) => c.close()));
  await admin?.close();
});

const refused = async (what: string, op: () => Promise<unknown>) => {
  const outcome = await op().then(
    (r) => `allowed: ${JSON.stringify(r)}`,
    // PostgreSQL's insufficient_privilege: "permission denied for …", "must be owner of …".
    (err: Error) => (/SQLSTATE 42501/.test(err.message) ? "refused" : `failed otherwise: ${err.message}`),
  );
  expect([what, outcome]).toEqual([what, "refused"]);
};

it("lets each service read and write its own database, the collections the admin made there included", async () => {
  for (const s of SERVICES) {
    const mine = clients.get(s)!.db(`kuayu_${s}`).collection(collection);
    expect(await mine.findOne({ _id: `doc-${s}` as never })).toMatchObject({ owner: s });
    await mine.insertOne({ _id: `own-${s}` as never, n: 2 });
    await mine.updateOne({ _id: `own-${s}` as never }, { $set: { n: 3 } });
    expect(await mine.findOne({ _id: `own-${s}` as never })).toMatchObject({ n: 3 });
    await mine.deleteOne({ _id: `own-${s}` as never });
    await mine.createIndex({ n: 1 });
    const fresh = clients.get(s)!.db(`kuayu_${s}`).collection(`${collection}_new`);
    await fresh.insertOne({ _id: "x" as never });
    await fresh.drop();
  }
});

it("refuses every service any read or write of another service's database", async () => {
  for (const a of SERVICES) {
    for (const b of SERVICES.filter((x) => x !== a)) {
      const theirs = clients.get(a)!.db(`kuayu_${b}`);
      const col = theirs.collection(collection);
      const tag = `${a} → ${b}`;
      await refused(`${tag} find`, () => col.find({}).toArray());
      await refused(`${tag} findOne by _id`, () => col.findOne({ _id: `doc-${b}` as never }));
      await refused(`${tag} count`, () => col.countDocuments());
      await refused(`${tag} insert`, () => col.insertOne({ _id: `from-${a}` as never }));
      await refused(`${tag} update`, () => col.updateOne({ _id: `doc-${b}` as never }, { $set: { n: 99 } }));
      await refused(`${tag} delete`, () => col.deleteMany({}));
      await refused(`${tag} index`, () => col.createIndex({ owner: 1 }));
      await refused(`${tag} new collection`, () => theirs.collection(`${collection}_${a}`).insertOne({ _id: "x" as never }));
      await refused(`${tag} drop collection`, () => col.drop());
      await refused(`${tag} drop database`, () => theirs.dropDatabase());
    }
  }
  // Nothing changed: each database still holds its one document, untouched.
  for (const s of SERVICES) expect(await admin.db(`kuayu_${s}`).collection(collection).find({}).toArray()).toEqual([{ _id: `doc-${s}`, owner: s, n: 1 }]);
});

it("refuses a service user with a wrong password", async () => {
  const wrong = client(uriOf("intake", "not-the-password"));
  try {
    const err = await wrong
      .db("kuayu_intake")
      .collection(collection)
      .findOne({})
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(/password authentication failed/);
  } finally {
    await wrong.close();
  }
});

it("keeps every database visible to everyone when a service user is FerretDB's first client after a restart", async () => {
  // FerretDB lists the databases and their collections once per process, as its first client may
  // see them: the metadata tables are shared with every service user (ferretdb-service-roles.sql),
  // else the others' collections would look empty until FerretDB restarts again.
  const infraSh = (...args: string[]) => execFileSync("bash", [resolve(ROOT, "scripts/infra/infra.sh"), ...args], { stdio: "ignore" });
  for (const c of clients.values()) await c.close();
  await admin.close();
  infraSh("kill", "ferretdb");
  infraSh("start", "ferretdb");
  const first = client(uriOf("intake"));
  try {
    expect(await first.db("kuayu_intake").collection(collection).countDocuments()).toBe(1);
  } finally {
    await first.close();
  }
  admin = client(infra.mongoUri);
  for (const s of SERVICES) clients.set(s, client(uriOf(s)));
  for (const s of SERVICES) {
    expect(
      await admin
        .db(`kuayu_${s}`)
        .collection(collection)
        .findOne({ _id: `doc-${s}` as never }),
    ).toMatchObject({ owner: s });
    expect(await clients.get(s)!.db(`kuayu_${s}`).collection(collection).countDocuments()).toBe(1);
  }
});

it("runs every service with a database as its own store user, on its own database, as `make up` does", async () => {
  const keys = testKeys();
  const started = await Promise.all(
    SERVICES.map(async (s) => {
      // Its real database (kuayu_<service>): the one its user may use. Nothing is dropped afterwards.
      const proc = spawnService(resolve(ROOT, `services/${s}/dist/main.js`), {
        ...infra.kafkaEnv,
        GRPC_PORT: "0",
        GRPC_HOST: "127.0.0.1",
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        NOTICE_TIME: "off",
        LOG_LEVEL: "info",
        KAFKA_GROUP_ID: uniqueName(`${s}-store-user`),
        KAFKA_FROM_BEGINNING: "false",
        MONGO_URI: uriOf(s),
        MONGO_DB: `kuayu_${s}`,
        JWT_PUBLIC_KEY: keys.publicKey,
        JWT_PRIVATE_KEY: keys.privateKey,
        OTEL_SERVICE_NAME: s,
      });
      running.push(proc);
      await proc.waitFor((l) => l.msg === `${s} started`, 150_000);
      return proc;
    }),
  );
  // A few seconds of running: consumers, relays, workers and sweeps reach the store.
  await new Promise((r) => setTimeout(r, 4000));
  for (const [i, proc] of started.entries()) {
    const denied = proc.lines.filter((l) => /SQLSTATE 42501|permission denied|must be owner/i.test(JSON.stringify(l)));
    expect([SERVICES[i], denied]).toEqual([SERVICES[i], []]);
    expect([SERVICES[i], proc.proc.exitCode]).toEqual([SERVICES[i], null]);
  }
}, 180_000);
