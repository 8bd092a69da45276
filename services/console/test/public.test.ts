import { normalizeVerificationCode as normaliseCode } from "@kuayu/domain";
import { publicRoute, visitorAddress } from "../src/domain/public";

describe("the console's public verification endpoint", () => {
  it("takes a code as typed or scanned: case, spaces and dashes do not matter; anything else is not a code", () => {
    expect(normaliseCode("K7QF-9XMA-2RTD")).toBe("K7QF-9XMA-2RTD");
    expect(normaliseCode(" k7qf 9xma 2rtd ")).toBe("K7QF-9XMA-2RTD");
    expect(normaliseCode("K7QF9XMA2RTD")).toBe("K7QF-9XMA-2RTD");
    expect(normaliseCode("K7QF-9XMA-2RT")).toBeUndefined(); // 11
    expect(normaliseCode("K7QF-9XMA-2RT0")).toBeUndefined(); // 0 is not in the alphabet
    expect(normaliseCode("K7QF-9XMA-2RTI")).toBeUndefined(); // nor I
    expect(normaliseCode("{$ne:null}")).toBeUndefined();
    expect(normaliseCode("K".repeat(65))).toBeUndefined();
  });

  it("is GET /api/public/verify/<code> and nothing else", () => {
    expect(publicRoute("GET", "/api/public/verify/K7QF-9XMA-2RTD")).toEqual({ kind: "verify", code: "K7QF-9XMA-2RTD" });
    expect(publicRoute("GET", "/api/public/verify/k7qf%209xma%202rtd")).toEqual({ kind: "verify", code: "k7qf 9xma 2rtd" });
    expect(publicRoute("GET", "/api/public/verify/%E0%A4%A")).toEqual({ kind: "verify", code: "%E0%A4%A" }); // undecodable: refused as a code later
    expect(publicRoute("POST", "/api/public/verify/K7QF-9XMA-2RTD")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/verify/")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/verify/a/b")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/filings")).toBeUndefined();
  });

  it("serves the party's look-up, filing, notices and leaving, and nothing more of the party's", () => {
    expect(publicRoute("POST", "/api/public/party/lookup")).toEqual({ kind: "party-lookup" });
    expect(publicRoute("GET", "/api/public/party/lookup")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/party/filing")).toEqual({ kind: "party-filing" });
    expect(publicRoute("POST", "/api/public/party/leave")).toEqual({ kind: "party-leave" });
    expect(publicRoute("GET", "/api/public/party/documents/ACCEPTANCE_NOTICE")).toEqual({ kind: "party-document", documentKind: "ACCEPTANCE_NOTICE" });
    expect(publicRoute("GET", "/api/public/party/documents/RECEIPT")).toEqual({ kind: "party-document", documentKind: "RECEIPT" });
    // Only the party's own notices' kinds; no filing id in the path (the cookie names the filing).
    expect(publicRoute("GET", "/api/public/party/documents/UNSPECIFIED")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/party/documents/F-1/RECEIPT")).toBeUndefined();
    expect(publicRoute("GET", "/api/public/party/materials")).toBeUndefined();
  });

  it("counts the visitor's address: the peer, or behind trusted proxies the entry the outermost one appended", () => {
    expect(visitorAddress("10.0.0.7", undefined, 0)).toBe("10.0.0.7");
    expect(visitorAddress("10.0.0.7", "203.0.113.9", 0)).toBe("10.0.0.7"); // no proxy trusted: the header is the visitor's own words
    expect(visitorAddress("10.0.0.7", "203.0.113.9", 1)).toBe("203.0.113.9");
    // A visitor prepending addresses does not change what the trusted proxy appended.
    expect(visitorAddress("10.0.0.7", "1.1.1.1, 2.2.2.2, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(visitorAddress("10.0.0.7", "1.1.1.1, 203.0.113.9, 10.0.0.3", 2)).toBe("203.0.113.9");
    expect(visitorAddress("10.0.0.7", "203.0.113.9", 3)).toBe("203.0.113.9");
    expect(visitorAddress(undefined, undefined, 0)).toBe("unknown");
  });
});
