import { Writable } from "node:stream";
import { createLogger } from "@kuayu/logger";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { lines, log: createLogger({ service: "test", destination }) };
}

describe("logger", () => {
  it("writes JSON with the service name", () => {
    const { lines, log } = capture();
    log.info({ filingId: "f1" }, "hello");
    expect(lines[0]).toMatchObject({ service: "test", level: "info", msg: "hello", filingId: "f1" });
  });

  it("never writes personal data or credentials", () => {
    const { lines, log } = capture();
    log.info({ party: { idNumber: "11010519491231002X", phone: "13800000000", name: "张三" }, authorization: "Bearer x" }, "filing");
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain("11010519491231002X");
    expect(text).not.toContain("13800000000");
    expect(text).not.toContain("Bearer x");
    expect(text).toContain("张三");
  });
});
