import { addressProblem, parseCidrs, PUBLIC_ONLY } from "../src/channels/address-guard.js";
import { isEmailAddress } from "../src/channels/email.js";

describe("which addresses a webhook may reach", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.9", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"], // the cloud metadata service
    ["100.64.1.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["fc00::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["::ffff:10.0.0.1", "private"], // IPv4 mapped into IPv6 is judged as IPv4
  ])("refuses %s (%s) by default", (address, range) => {
    expect(addressProblem(address, PUBLIC_ONLY)).toBe(`address range ${range}`);
  });

  it("allows public addresses, loopback when allowed, and an operator's ranges", () => {
    expect(addressProblem("202.108.22.5", PUBLIC_ONLY)).toBeUndefined();
    expect(addressProblem("2400:da00::6666", PUBLIC_ONLY)).toBeUndefined();
    expect(addressProblem("127.0.0.1", { allowLoopback: true, allowCidrs: [] })).toBeUndefined();
    expect(addressProblem("10.0.0.1", { allowLoopback: true, allowCidrs: [] })).toBe("address range private");
    const vpn = { allowLoopback: false, allowCidrs: ["10.20.0.0/16"] };
    expect(addressProblem("10.20.3.4", vpn)).toBeUndefined();
    expect(addressProblem("10.21.0.1", vpn)).toBe("address range private");
    expect(addressProblem("not-an-ip", PUBLIC_ONLY)).toBe("not an IP address");
    expect(() => parseCidrs(["10.0.0.0/8", "10.0.0.0/99"])).toThrow("10.0.0.0/99");
  });
});

describe("e-mail addresses of subscriptions", () => {
  it("are bounded (254 characters) before any pattern runs: an 8 MiB address is refused", () => {
    expect(isEmailAddress(`a@${"b".repeat(8 * 1024 * 1024)}`)).toBe(false);
    expect(isEmailAddress(`${"a".repeat(20_000)}@x`)).toBe(false);
    expect(isEmailAddress("li.si@court.gov.cn")).toBe(true);
  });
});
