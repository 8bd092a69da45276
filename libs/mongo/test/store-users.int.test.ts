// Least privilege in the store (real FerretDB on PostgreSQL, as `make up` and `make test` start it):
// each service logs in as its own user (scripts/infra/infra.sh, ferretdb-service-roles.sql), which
// reads and writes its own database and is refused every read and write of another service's.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MongoClient } from "mongodb";
import { assertInfraUp, infra, uniqueName } from "@kuayu/testkit";

const SERVICES = ["intake", "decision", "notification", "supervision"] as const;
type Service = (typeof SERVICES)[number];
const ROOT = resolve(__dirname, "../../..");
const password = (s: Service) => readFileSync(resolve(ROOT, `.secrets/mongo/${s}.password`), "utf8").trim();
/** The MONGO_URI `make up` gives a service (infra.sh mongo-uri): its own user, PLAIN. */
const uriOf = (s: Service, pw = password(s)) => {
  const u = new URL(infra.mongoUri);
  return `mongodb://kuayu_${s}:${encodeURIComponent(pw)}@${u.host}/?authMechanism=PLAIN`;
};
const client = (uri: string) => new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });

const collection = uniqueName("least_privilege");
const clients = new Map<Service, MongoClient>();
let admin: MongoClient;

beforeAll(async () => {
  await assertInfraUp();
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
