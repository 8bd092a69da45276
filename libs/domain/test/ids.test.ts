import { randomUUID, randomUUIDv7 } from "node:crypto";
import { idCreatedAt } from "../src/index";

describe("idCreatedAt", () => {
  it("reads the time a version 7 UUID was made at", () => {
    const before = Date.now();
    const id = randomUUIDv7();
    const made = idCreatedAt(id);
    expect(made).toBeGreaterThanOrEqual(before);
    expect(made).toBeLessThanOrEqual(Date.now());
    // RFC 9562's example: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F was made at 2022-02-22 19:22:22 UTC.
    expect(idCreatedAt("017f22e2-79b0-7cc3-98c4-dc0c0c07398f")).toBe(Date.parse("2022-02-22T19:22:22Z"));
    expect(idCreatedAt("017F22E2-79B0-7CC3-98C4-DC0C0C07398F")).toBe(Date.parse("2022-02-22T19:22:22Z"));
  });

  it("knows no time of any other id", () => {
    for (const id of [randomUUID(), "no-such-filing", "", "017f22e2-79b0-7cc3-c8c4-dc0c0c07398f", "017f22e2-79b0-6cc3-98c4-dc0c0c07398f", ` ${randomUUIDv7()}`])
      expect(idCreatedAt(id)).toBeUndefined();
  });
});
