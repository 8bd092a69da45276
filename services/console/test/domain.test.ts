import { contentDisposition, fileRoute, inlineSafe } from "../src/domain/routes";
import { safeReturnTo, SignInError, userFromClaims } from "../src/domain/session";

describe("the console's file endpoints", () => {
  it("routes uploads, the two sides' material downloads and documents, and nothing else", () => {
    expect(fileRoute("POST", "/api/filings/f-1/materials")).toEqual({ kind: "upload", filingId: "f-1" });
    expect(fileRoute("GET", "/api/filings/f-1/materials/m%201")).toEqual({ kind: "material", side: "window", filingId: "f-1", materialId: "m 1" });
    expect(fileRoute("GET", "/api/inbox/f-1/materials/m-2")).toEqual({ kind: "material", side: "inbox", filingId: "f-1", materialId: "m-2" });
    expect(fileRoute("GET", "/api/documents/f-1/DOCUMENT_KIND_ACCEPTANCE_NOTICE")).toEqual({ kind: "document", filingId: "f-1", documentKind: "DOCUMENT_KIND_ACCEPTANCE_NOTICE" });
    expect(fileRoute("GET", "/api/filings/f-1/materials")).toBeUndefined(); // listing is GetFiling's
    expect(fileRoute("POST", "/api/inbox/f-1/materials")).toBeUndefined(); // the jurisdiction side uploads nothing
    expect(fileRoute("GET", "/api/documents/f-1/receipt")).toBeUndefined();
    expect(fileRoute("GET", "/api/filings/a/b/materials/c")).toBeUndefined();
  });

  it("opens only PDFs, images and plain text inline", () => {
    expect(inlineSafe("application/pdf")).toBe(true);
    expect(inlineSafe("image/png")).toBe(true);
    expect(inlineSafe("text/html")).toBe(false);
    expect(inlineSafe("image/svg+xml")).toBe(false);
    expect(inlineSafe("application/ofd")).toBe(false);
  });

  it("names a download in ASCII and, exactly, in UTF-8", () => {
    expect(contentDisposition(true, "起诉状.pdf")).toBe(`inline; filename="___.pdf"; filename*=UTF-8''%E8%B5%B7%E8%AF%89%E7%8A%B6.pdf`);
    expect(contentDisposition(false, 'a"b\\c.ofd')).toBe(`attachment; filename="a_b_c.ofd"; filename*=UTF-8''a%22b%5Cc.ofd`);
  });
});

describe("sign-in", () => {
  it("returns only to a path of the console", () => {
    expect(safeReturnTo("/window/filings?status=1")).toBe("/window/filings?status=1");
    for (const bad of [null, "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "/a\r\nSet-Cookie: x=1"]) expect(safeReturnTo(bad)).toBe("/");
  });

  it("takes the user's court, province and roles from the ID token, and refuses a token without them", () => {
    expect(userFromClaims({ sub: "clerk", name: "李窗口", court: "t-440103001", province: "44", roles: ["window-clerk"] })).toEqual({
      user: "clerk",
      name: "李窗口",
      courtId: "t-440103001",
      province: "44",
      roles: ["window-clerk"],
    });
    expect(userFromClaims({ sub: "u", court: "c", province: "11", roles: [] }).name).toBe("u");
    expect(() => userFromClaims({ sub: "u", province: "11", roles: [] })).toThrow(new SignInError("the ID token has no court"));
    expect(() => userFromClaims({ sub: "u", court: "c", province: "Beijing", roles: [] })).toThrow(SignInError);
    expect(() => userFromClaims({ court: "c", province: "11", roles: [] })).toThrow(SignInError);
    expect(() => userFromClaims({ sub: "u", court: "c", province: "11", roles: "supervisor" })).toThrow(SignInError);
  });
});
