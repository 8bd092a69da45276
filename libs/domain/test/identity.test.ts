import { maskIdentityNumber, maskName, validateCreditCode, validateResidentId } from "@kuayu/domain";

/**
 * Independent GB 11643 check character: weights 2^(17-i) mod 11, check value (12 - sum mod 11)
 * mod 11, with 10 written as X.
 */
function withIdCheck(body17: string): string {
  const sum = [...body17].reduce((acc, d, i) => acc + Number(d) * (2 ** (17 - i) % 11), 0);
  const value = (12 - (sum % 11)) % 11;
  return body17 + (value === 10 ? "X" : String(value));
}

const CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** Independent GB 32100 check character: weights 3^i mod 31, value 31 - (sum mod 31), 31 → 0. */
function withCreditCheck(body17: string): string {
  const sum = [...body17].reduce((acc, ch, i) => acc + CREDIT_CHARS.indexOf(ch) * (3 ** i % 31), 0);
  return body17 + CREDIT_CHARS[(31 - (sum % 31)) % 31];
}

/** Replaces the last character with a different valid one, so only the check fails. */
function breakCheck(valid: string, alphabet: string): string {
  const last = valid.at(-1)!;
  const other = [...alphabet].find((c) => c !== last)!;
  return valid.slice(0, -1) + other;
}

// Noon in Beijing on 2 March 2026.
const today = new Date("2026-03-02T12:00:00+08:00");

describe("validateResidentId", () => {
  it("accepts the GB 11643-1999 sample number 11010519491231002X", () => {
    expect(withIdCheck("11010519491231002")).toBe("11010519491231002X");
    expect(validateResidentId("11010519491231002X", today)).toBeUndefined();
  });

  it.each([
    "44070319850615123", // Guangdong
    "11010520000229001", // leap day
    "65010219000101002", // earliest accepted birth date
    "81000019991231004", // Hong Kong residence permit
    "83000020010101005", // Taiwan residence permit
    "52010219700101006",
  ])("accepts %s with its computed check character", (body) => {
    expect(validateResidentId(withIdCheck(body), today)).toBeUndefined();
  });

  it("accepts numbers of every check character 0-9 and X", () => {
    const seen = new Set<string>();
    for (let seq = 0; seq < 200 && seen.size < 11; seq++) {
      const id = withIdCheck(`33010619900101${String(seq).padStart(3, "0")}`);
      seen.add(id.at(-1)!);
      expect(validateResidentId(id, today)).toBeUndefined();
    }
    expect([...seen].sort()).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X"]);
  });

  it("defaults today to the current date", () => {
    expect(validateResidentId("11010519491231002X")).toBeUndefined();
  });

  it.each(["", "11010519491231002", "11010519491231002X0", "110105491231002"])("rejects %j as the wrong length", (id) => {
    expect(validateResidentId(id, today)).toBe("must be 18 characters");
  });

  it.each(["1101051949123100AX", "11010519491231 02X", "１1010519491231002X", "11010519-9123100 2"])("rejects non-digits in the first 17 characters of %j", (id) => {
    expect(validateResidentId(id, today)).toBe("first 17 characters must be digits");
  });

  it("rejects a lowercase x and says why", () => {
    expect(validateResidentId("11010519491231002x", today)).toBe("check character must be an uppercase X, not a lowercase x");
  });

  it.each(["11010519491231002Y", "11010519491231002 "])("rejects the last character of %j", (id) => {
    expect(validateResidentId(id, today)).toBe("last character must be a digit or X");
  });

  it("rejects a wrong check character", () => {
    const valid = withIdCheck("44070319850615123");
    expect(validateResidentId(breakCheck(valid, "0123456789X"), today)).toBe("check digit mismatch");
    expect(validateResidentId("110105194912310021", today)).toBe("check digit mismatch");
  });

  it("rejects a single mistyped digit", () => {
    expect(validateResidentId("11010519491231003X", today)).toBe("check digit mismatch");
  });

  it.each(["19900230", "19900229", "19000229", "19901301", "19900001", "19900100", "19900431", "18991231", "00000000"])("rejects birth date %s", (date) => {
    expect(validateResidentId(withIdCheck(`110105${date}001`), today)).toBe("invalid birth date");
  });

  it("accepts 29 February of a leap year, 2000 included", () => {
    expect(validateResidentId(withIdCheck("11010519960229001"), today)).toBeUndefined();
    expect(validateResidentId(withIdCheck("11010520000229001"), today)).toBeUndefined();
  });

  it("accepts a birth date of today and rejects tomorrow", () => {
    expect(validateResidentId(withIdCheck("11010520260302001"), today)).toBeUndefined();
    expect(validateResidentId(withIdCheck("11010520260303001"), today)).toBe("birth date is in the future");
    expect(validateResidentId(withIdCheck("11010530000101001"), today)).toBe("birth date is in the future");
  });

  it("takes today as the date in China (UTC+8)", () => {
    // 20:00 UTC on 1 March is already 2 March in Beijing.
    const lateUtc = new Date("2026-03-01T20:00:00Z");
    expect(validateResidentId(withIdCheck("11010520260302001"), lateUtc)).toBeUndefined();
    expect(validateResidentId(withIdCheck("11010520260303001"), lateUtc)).toBe("birth date is in the future");
  });

  it.each(["00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72", "80", "84", "90", "91", "99"])("rejects province code %s", (province) => {
    expect(validateResidentId(withIdCheck(`${province}010519491231002`), today)).toBe("invalid province code");
  });

  it.each(["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82", "83"])("accepts province code %s", (province) => {
    expect(validateResidentId(withIdCheck(`${province}010519491231002`), today)).toBeUndefined();
  });
});

describe("validateCreditCode", () => {
  it.each(["91350100M000100Y43", "91310110666007217T", "91310115591693856A", "91230184MA1BUFLT44", "92371000MA3MXH0E3W"])("accepts the published code %s", (code) => {
    expect(withCreditCheck(code.slice(0, 17))).toBe(code);
    expect(validateCreditCode(code)).toBeUndefined();
  });

  it.each([
    "11100000000013127", // central body, region 100000
    "51440300MJL123456",
    "Y1110105ABCDEFGHJ",
    "93330106MA2CFN7RK",
  ])("accepts %s with its computed check character", (body) => {
    expect(validateCreditCode(withCreditCheck(body))).toBeUndefined();
  });

  it("accepts a code whose check value is 0 (31 written as 0)", () => {
    let code: string | undefined;
    for (let n = 0; n < 1000 && !code; n++) {
      const candidate = withCreditCheck(`913101156${String(n).padStart(8, "0")}`);
      if (candidate.endsWith("0")) code = candidate;
    }
    expect(code).toBeDefined();
    expect(validateCreditCode(code!)).toBeUndefined();
  });

  it.each(["", "91350100M000100Y4", "91350100M000100Y433"])("rejects %j as the wrong length", (code) => {
    expect(validateCreditCode(code)).toBe("must be 18 characters");
  });

  it.each([
    "91350100M000100I43", // I
    "91350100M000100O43", // O
    "91350100M000100S43", // S
    "91350100M000100V43", // V
    "91350100M000100Z43", // Z
    "91350100m000100y43", // lowercase
    "91350100M000100Y4-",
    "91350100M000100 43",
  ])("rejects the characters of %s", (code) => {
    expect(validateCreditCode(code)).toBe("only digits and uppercase letters other than I, O, S, V, Z are allowed");
  });

  it("rejects letters in the region code", () => {
    expect(validateCreditCode(withCreditCheck("9135A100M000100Y4"))).toBe("characters 3-8 (region code) must be digits");
  });

  it("rejects a wrong check character", () => {
    expect(validateCreditCode(breakCheck("91350100M000100Y43", CREDIT_CHARS))).toBe("check character mismatch");
    expect(validateCreditCode("91350100M000100Y44")).toBe("check character mismatch");
  });

  it("rejects a mistyped character and two swapped characters", () => {
    expect(validateCreditCode("91350100M000101Y43")).toBe("check character mismatch");
    expect(validateCreditCode("91351000M000100Y43")).toBe("check character mismatch");
  });

  it("rejects an early pilot-area code that does not follow the standard", () => {
    expect(validateCreditCode("91350211M00013FA1N")).toBe("check character mismatch");
  });
});

describe("maskIdentityNumber", () => {
  it("keeps the first 3 and last 2 characters of an ID number", () => {
    expect(maskIdentityNumber("11010519491231002X")).toBe("110*************2X");
  });

  it("keeps the length of a credit code", () => {
    const masked = maskIdentityNumber("91350100M000100Y43");
    expect(masked).toBe("913*************43");
    expect(masked).toHaveLength(18);
  });

  it("masks one character of a 6-character input", () => {
    expect(maskIdentityNumber("ABCDEF")).toBe("ABC*EF");
  });

  it.each([
    ["", ""],
    ["1", "*"],
    ["12345", "*****"],
  ])("masks short input %j entirely", (input, expected) => {
    expect(maskIdentityNumber(input)).toBe(expected);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(maskIdentityNumber("港澳𠀀台居民居住证")).toBe("港澳𠀀****住证");
  });
});

describe("maskName", () => {
  it.each([
    ["张三", "张*"],
    ["张小三", "张*三"],
    ["欧阳小明", "欧**明"],
    ["北京某贸易有限公司", "北京***有限公司"],
    ["广州天河科技股份有限公司", "广州****股份有限公司"],
    ["某某省某某市某某区某某街道", "某某*********街道"],
    ["John Smith", "J*** S****"],
    ["王", "*"],
  ])("%s → %s", (name, masked) => expect(maskName(name)).toBe(masked));
});
