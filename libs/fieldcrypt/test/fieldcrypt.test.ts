// The field cipher, the local key provider and data keys over an in-memory collection (the real
// store is in fieldcrypt.int.test.ts): tampering, wrong keys, both algorithms, rotation of data and
// master keys, blind indexes.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { mongo } from "mongoose";
import { ALGORITHMS, DecryptionError, PREFIX, createMasterKey, isEncrypted, localKeyProvider, normalise, open, openFieldCrypt, rewrapDataKeys, seal, type Algorithm, type DataKeyDoc } from "../src";

/** The few collection calls fieldcrypt makes, over an array (unique _id like the store). */
function memoryKeys() {
  const docs: DataKeyDoc[] = [];
  const match = (d: DataKeyDoc, f: Record<string, unknown>) =>
    Object.entries(f).every(([k, v]) => (v && typeof v === "object" && "$ne" in v ? (d as never)[k] !== (v as { $ne: unknown }).$ne : (d as never)[k] === v));
  const coll = {
    docs,
    find: (f: Record<string, unknown>) => ({ toArray: async () => docs.filter((d) => match(d, f)).map((d) => ({ ...d })) }),
    insertOne: async (d: DataKeyDoc) => {
      if (docs.some((x) => x._id === d._id)) throw Object.assign(new Error("duplicate"), { code: 11000 });
      docs.push({ ...d });
    },
    updateOne: async (f: Record<string, unknown>, u: { $set: Partial<DataKeyDoc> }) => {
      const d = docs.find((x) => match(x, f));
      if (d) Object.assign(d, u.$set);
      return { modifiedCount: d ? 1 : 0 };
    },
  };
  return coll as unknown as mongo.Collection<DataKeyDoc> & { docs: DataKeyDoc[] };
}

const keyDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fieldcrypt-"));
  createMasterKey(dir, new Date("2026-01-01T00:00:00Z"));
  return dir;
};
const RESIDENT_ID = "11010519491231002X";

describe.each(ALGORITHMS)("%s", (algorithm: Algorithm) => {
  const open1 = (keys = memoryKeys(), dir = keyDir()) => openFieldCrypt({ keys, provider: localKeyProvider({ dir, algorithm }), algorithm, refreshMs: 0 });

  it("seals a field so that the clear value is nowhere in it, and opens it again", async () => {
    const crypt = await open1();
    const sealed = crypt.encrypt(RESIDENT_ID);
    expect(sealed.startsWith(`${PREFIX}${algorithm === "sm4" ? "sm4ctr-hsm3" : "a256gcm"}:dk-`)).toBe(true);
    expect(sealed).not.toContain(RESIDENT_ID);
    expect(crypt.encrypt(RESIDENT_ID)).not.toBe(sealed); // a fresh IV each time
    expect(await crypt.decrypt(sealed)).toBe(RESIDENT_ID);
    expect(crypt.encrypt("")).toBe("");
    expect(await crypt.decrypt("legacy clear value")).toBe("legacy clear value");
  });

  it("refuses a changed ciphertext, a changed header and another service's key", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const crypt = await open1(keys, dir);
    const sealed = crypt.encrypt("13800138000");
    const body = sealed.slice(sealed.lastIndexOf(":") + 1);
    const bytes = Buffer.from(body, "base64url");
    bytes[bytes.length - 20]! ^= 1;
    await expect(crypt.decrypt(sealed.slice(0, sealed.lastIndexOf(":") + 1) + bytes.toString("base64url"))).rejects.toThrow(DecryptionError);
    await expect(crypt.decrypt(sealed.slice(0, -4))).rejects.toThrow(DecryptionError);
    // Another data key of the same service, named in the header: the header is authenticated.
    const other = await crypt.rotateDataKey();
    await expect(crypt.decrypt(sealed.replace(/dk-[^:]+/, other))).rejects.toThrow(DecryptionError);
    // Another service (its own data keys under the same master key) knows nothing of this key.
    const stranger = await open1(memoryKeys(), dir);
    await expect(stranger.decrypt(sealed)).rejects.toThrow(/data key .* is not known/);
  });

  it("refuses a wrong key at the cipher and at the master key", () => {
    const aad = Buffer.from("h");
    const sealed = seal(algorithm, Buffer.alloc(32, 1), Buffer.from("x"), aad);
    expect(() => open(algorithm, Buffer.alloc(32, 2), sealed, aad)).toThrow(DecryptionError);
    expect(() => open(algorithm, Buffer.alloc(32, 1), sealed, Buffer.from("other"))).toThrow(DecryptionError);
  });

  it("does not open data keys under another master key", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    await open1(keys, dir);
    // A directory holding another key under the same master key id.
    const wrong = keyDir();
    const id = keys.docs[0]!.masterKeyId;
    writeFileSync(path.join(wrong, `${id}.key`), Buffer.alloc(32, 7).toString("base64"));
    await expect(openFieldCrypt({ keys, provider: localKeyProvider({ dir: wrong, algorithm, currentKeyId: id }), algorithm, refreshMs: 0 })).rejects.toThrow(DecryptionError);
  });

  it("orders a key rotated within the same millisecond (a stopped clock) after the one before", async () => {
    const at = new Date("2026-12-04T08:00:00.000Z");
    const c = await openFieldCrypt({ keys: memoryKeys(), provider: localKeyProvider({ dir: keyDir(), algorithm }), algorithm, refreshMs: 0, now: () => at });
    const ids = [c.currentDataKeyId(), await c.rotateDataKey(), await c.rotateDataKey()];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it("rotates the data key: new writes use the new key, old values stay readable, other processes follow", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const a = await open1(keys, dir);
    const b = await open1(keys, dir);
    const before = a.encrypt(RESIDENT_ID);
    const first = a.currentDataKeyId();
    const second = await a.rotateDataKey();
    expect(second > first).toBe(true);
    const after = a.encrypt(RESIDENT_ID);
    expect(after).toContain(`:${second}:`);
    expect(await a.decrypt(before)).toBe(RESIDENT_ID);
    // b has not refreshed yet: it loads the unknown key on demand, then writes with it.
    expect(await b.decrypt(after)).toBe(RESIDENT_ID);
    expect(b.encrypt("x")).toContain(`:${second}:`);
  });

  it("makes a new data key when the current one is older than the rotation age", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const t0 = new Date("2026-01-01T00:00:00Z");
    const first = await openFieldCrypt({ keys, provider: localKeyProvider({ dir, algorithm }), algorithm, refreshMs: 0, now: () => t0, rotateAfterMs: 1000 });
    const later = await openFieldCrypt({ keys, provider: localKeyProvider({ dir, algorithm }), algorithm, refreshMs: 0, now: () => new Date(t0.getTime() + 5000), rotateAfterMs: 1000 });
    expect(later.currentDataKeyId()).not.toBe(first.currentDataKeyId());
    expect(keys.docs.filter((d) => d._id.startsWith("dk-"))).toHaveLength(2);
  });

  it("rotates the master key without downtime: data keys re-wrapped, old values readable, new keys under the new master", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const running = await open1(keys, dir);
    const sealed = running.encrypt(RESIDENT_ID);
    const oldMaster = keys.docs[0]!.masterKeyId;
    const newMaster = createMasterKey(dir, new Date("2026-06-01T00:00:00Z"));
    const provider = localKeyProvider({ dir, algorithm });
    expect(await provider.currentKeyId()).toBe(newMaster);
    expect(await rewrapDataKeys(keys, provider)).toBe(keys.docs.length);
    expect(keys.docs.every((d) => d.masterKeyId === newMaster)).toBe(true);
    expect(await rewrapDataKeys(keys, provider)).toBe(0);
    // The running process keeps going; a process started now unwraps with the new master only.
    expect(await running.decrypt(sealed)).toBe(RESIDENT_ID);
    const restarted = await openFieldCrypt({ keys, provider: localKeyProvider({ dir, algorithm, currentKeyId: newMaster }), algorithm, refreshMs: 0 });
    expect(await restarted.decrypt(sealed)).toBe(RESIDENT_ID);
    expect(restarted.blindIndex("phone", "13800138000")).toBe(running.blindIndex("phone", "13800138000"));
    const id = await restarted.rotateDataKey();
    expect(keys.docs.find((d) => d._id === id)!.masterKeyId).toBe(newMaster);
    expect(oldMaster).not.toBe(newMaster);
  });

  it("seals named fields at any depth and opens them all, bytes too", async () => {
    const crypt = await open1();
    const details = {
      parties: [{ name: "张三", identity: { person: { name: "张三", residentId: RESIDENT_ID } }, phone: "13800138000", address: "沙面大街1号", agents: [{ phone: "13900139000" }] }],
      at: new Date(0),
    };
    const sealed = crypt.sealFields(details, new Set(["residentId", "phone", "address"]));
    const text = JSON.stringify(sealed);
    for (const v of [RESIDENT_ID, "13800138000", "13900139000", "沙面大街1号"]) expect(text).not.toContain(v);
    expect(text).toContain("张三");
    expect(sealed.at).toBeInstanceOf(Date);
    expect(isEncrypted(sealed.parties[0]!.phone)).toBe(true);
    expect(await crypt.openFields(sealed)).toEqual(details);
    const bytes = crypt.encryptBytes(Buffer.from(`event with ${RESIDENT_ID}`));
    expect(bytes.includes(Buffer.from(RESIDENT_ID))).toBe(false);
    expect((await crypt.decryptBytes(bytes)).toString()).toBe(`event with ${RESIDENT_ID}`);
    expect((await crypt.decryptBytes(Buffer.from("plain"))).toString()).toBe("plain");
  });

  it("gives opened details back frozen, and seals them unchanged to what they were opened from", async () => {
    const crypt = await open1();
    const names = new Set(["residentId", "phone"]);
    const sealed = crypt.sealFields({ parties: [{ name: "张三", phone: "13800138000", identity: { person: { residentId: RESIDENT_ID } } }] }, names);
    const opened = await crypt.openFields(sealed);
    expect(Object.isFrozen(opened) && Object.isFrozen(opened.parties) && Object.isFrozen(opened.parties[0]!.identity.person)).toBe(true);
    expect(() => {
      (opened.parties[0] as { phone: string }).phone = "13900139000";
    }).toThrow(TypeError);
    // Unchanged: the very sealed values (no new IV), so a rewrite leaves the stored fields as they were.
    expect(crypt.sealFields(opened, names)).toBe(sealed);
    // Read again as the store gives it: the same clear values (from the opened cache), again frozen
    // and sealing back to what it was opened from.
    const reread = JSON.parse(JSON.stringify(sealed)) as typeof sealed;
    const again = await crypt.openFields(reread);
    expect(again).not.toBe(opened);
    expect(again).toEqual(opened);
    expect(crypt.sealFields(again, names)).toBe(reread);
    // Any key, __proto__ too, stays a field of its own.
    const odd = await crypt.openFields(JSON.parse('{"__proto__": {"phone": "x"}, "a": 1}') as Record<string, unknown>);
    expect(Object.keys(odd)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    // A changed copy is sealed anew, the change in it.
    const changed = { ...opened, parties: [{ ...opened.parties[0]!, phone: "13900139000" }] };
    const resealed = crypt.sealFields(changed, names);
    expect(resealed).not.toBe(sealed);
    expect(resealed.parties[0]!.phone).not.toBe(sealed.parties[0]!.phone);
    expect((await crypt.openFields(resealed)).parties[0]!.phone).toBe("13900139000");
    // Opened from a document written before a field was sealed: sealing it seals that field now.
    const legacy = await crypt.openFields({ parties: [{ phone: "13800138000" }] });
    const upgraded = crypt.sealFields(legacy, names);
    expect(isEncrypted(upgraded.parties[0]!.phone)).toBe(true);
    expect(JSON.stringify(upgraded)).not.toContain("13800138000");
  });

  it("opens values sealed by another process with a data key made after this one started", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const mine = await open1(keys, dir);
    const other = await open1(keys, dir);
    await other.rotateDataKey();
    const sealed = other.sealFields({ phone: "13800138000" }, new Set(["phone"]));
    expect(await mine.openFields(sealed)).toEqual({ phone: "13800138000" });
    const unknown = sealed.phone.replace(/:dk-[^:]+:/, ":dk-20990101000000000-00000000:");
    await expect(mine.openFields({ phone: unknown })).rejects.toThrow(/data key dk-20990101000000000-00000000 is not known/);
  });

  it("gives blind indexes of normalised values, keyed per service", async () => {
    const keys = memoryKeys();
    const dir = keyDir();
    const crypt = await open1(keys, dir);
    expect(crypt.blindIndex("resident-id", " 11010519491231002x ")).toBe(crypt.blindIndex("resident-id", RESIDENT_ID));
    expect(crypt.blindIndex("phone", "+86 138-0013-8000")).toBe(crypt.blindIndex("phone", "13800138000"));
    expect(crypt.blindIndex("phone-last4", "13800138000")).toBe(crypt.blindIndex("phone-last4", "8000"));
    expect(crypt.blindIndex("phone", "13800138000")).not.toBe(crypt.blindIndex("phone-last4", "13800138000"));
    expect(crypt.blindIndex("phone", "13800138000")).not.toContain("13800138000");
    const other = await open1(memoryKeys(), dir);
    expect(other.blindIndex("phone", "13800138000")).not.toBe(crypt.blindIndex("phone", "13800138000"));
    // A second process of the same service shares the blind-index key (inserted once).
    const again = await open1(keys, dir);
    expect(again.blindIndex("resident-id", RESIDENT_ID)).toBe(crypt.blindIndex("resident-id", RESIDENT_ID));
  });
});

it("normalises", () => {
  expect(normalise("phone", "8613800138000")).toBe("13800138000");
  expect(normalise("resident-id", "１１０１０５１９４９１２３１００２ｘ")).toBe(RESIDENT_ID);
});

it("refuses a provider without master keys with a clear error", () => {
  expect(() => localKeyProvider({ dir: mkdtempSync(path.join(tmpdir(), "fieldcrypt-empty-")), algorithm: "aes-256-gcm" })).toThrow(/no master key/);
});
