// Probe: are concurrent updates of ONE document atomic on the store? MongoDB: yes. FerretDB
// v1.24.2 (SQLite and PostgreSQL backends): no — it applies updates as read-modify-write of the
// whole document, so concurrent writers lose each other's changes, and even a compare-and-set
// filter ({_id, v}) is not re-checked at write time. Run: node scripts/bench/store-atomicity.js
const { MongoClient } = require("mongodb");

(async () => {
  const uri = process.env.MONGO_URI ?? "mongodb://127.0.0.1:27017";
  const client = await MongoClient.connect(uri, { maxPoolSize: 50, serverSelectionTimeoutMS: 3000 });
  const db = client.db(`atomicity_${Date.now().toString(36)}`);
  const col = db.collection("t");
  try {
    await col.insertOne({ _id: "a", n: 0, tags: [], v: 0 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => col.updateOne({ _id: "a" }, i % 2 ? { $inc: { n: 1 } } : { $addToSet: { tags: `t${i}` } })));
    let cas = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (;;) {
          const d = await col.findOne({ _id: "a" });
          if ((await col.updateOne({ _id: "a", v: d.v }, { $set: { v: d.v + 1 } })).modifiedCount === 1) return void cas++;
        }
      }),
    );
    const d = await col.findOne({ _id: "a" });
    console.log(`${uri}: 100 concurrent $inc → ${d.n}; 100 concurrent $addToSet → ${d.tags.length}; 50 compare-and-set increments reported ${cas} → ${d.v}`);
    console.log(d.n === 100 && d.tags.length === 100 && d.v === 50 ? "single-document updates are atomic" : "single-document updates are NOT atomic under concurrency");
  } finally {
    await db.dropDatabase();
    await client.close();
  }
})().catch((err) => {
  console.error(`probe: ${err.message}`);
  process.exit(2);
});
