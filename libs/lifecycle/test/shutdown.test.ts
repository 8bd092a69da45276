import { runShutdown, withTimeout } from "@kuayu/lifecycle";
import { createLogger } from "@kuayu/logger";

const log = createLogger({ service: "test", level: "silent" });

describe("shutdown", () => {
  it("runs the steps in order and reports a clean stop", async () => {
    const order: string[] = [];
    const clean = await runShutdown(
      ["not serving", "stop consuming", "drain", "flush"].map((name) => ({ name, run: async () => void order.push(name) })),
      log,
      1000,
    );
    expect(clean).toBe(true);
    expect(order).toEqual(["not serving", "stop consuming", "drain", "flush"]);
  });

  it("goes on past a step that hangs or fails, within the grace period", async () => {
    const order: string[] = [];
    const started = Date.now();
    const clean = await runShutdown(
      [
        { name: "hangs", run: () => new Promise<void>(() => undefined) },
        {
          name: "fails",
          run: () => {
            throw new Error("boom");
          },
        },
        { name: "flush", run: () => void order.push("flush") },
      ],
      log,
      300,
    );
    expect(clean).toBe(false);
    expect(order).toEqual(["flush"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("withTimeout rejects with the name of what did not finish", async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, "consumer disconnect")).rejects.toThrow(/consumer disconnect did not finish within 20 ms/);
    await expect(withTimeout(Promise.resolve(7), 20, "x")).resolves.toBe(7);
  });
});
