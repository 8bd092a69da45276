// The web console end to end: real services, identity provider and console processes, real Chromium.
import type { Browser } from "playwright-core";
import { assertInfraUp } from "@kuayu/testkit";
import { launchBrowser, signIn, startSystem, type System } from "./harness";

let sys: System;
let browser: Browser;

beforeAll(async () => {
  await assertInfraUp();
  sys = await startSystem();
  browser = await launchBrowser();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await sys?.close();
});

describe("sign-in", () => {
  it.each([
    ["clerk", "/window/filings", { courtId: "t-440103001", courtName: "广州市荔湾区人民法院沙面人民法庭", province: "44", roles: ["window-clerk"] }],
    ["specialist", "/inbox", { courtId: "c-110105", courtName: "北京市朝阳区人民法院", province: "11", roles: ["filing-specialist"] }],
    ["supervisor-spc", "/supervision", { courtId: "c-spc", courtName: "最高人民法院", province: "00", roles: ["supervisor"] }],
  ])(
    "signs %s in with the identity provider and lands on their work",
    async (account, home, who) => {
      const { context, page } = await signIn(browser, sys.consoleUrl, account);
      try {
        await page.waitForURL((u) => u.pathname === home);
        await expect(page.evaluate(() => fetch("/api/me").then((r) => r.json()))).resolves.toMatchObject({ user: account, ...who });
        await page.getByText(who.courtName, { exact: false }).first().waitFor();
      } finally {
        await context.close();
      }
    },
    60_000,
  );

  it("refuses a wrong password, and the console without a session", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(sys.consoleUrl);
      await page.getByLabel("账号").selectOption("clerk");
      await page.getByLabel("密码").fill("wrong");
      await page.getByRole("button", { name: "登录" }).click();
      await page.getByRole("alert").getByText("账号或密码不正确").waitFor();
      const me = await context.request.get(`${sys.consoleUrl}/api/me`);
      expect(me.status()).toBe(401);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("the backend adds no privilege", () => {
  it("refuses cross-site and header-less calls, and a forged session cookie", async () => {
    const { context } = await signIn(browser, sys.consoleUrl, "clerk");
    try {
      const url = `${sys.consoleUrl}/api/kuayu.intake.v1.FilingIntakeService/ListFilings`;
      const ok = await context.request.post(url, { headers: { "content-type": "application/json", "connect-protocol-version": "1" }, data: "{}" });
      expect(ok.status()).toBe(200);
      const noHeader = await context.request.post(url, { headers: { "content-type": "application/json" }, data: "{}" });
      expect(noHeader.status()).toBe(403);
      const foreign = await context.request.post(url, { headers: { "content-type": "application/json", "connect-protocol-version": "1", origin: "https://evil.example" }, data: "{}" });
      expect(foreign.status()).toBe(403);
      const forged = await browser.newContext();
      await forged.addCookies([{ name: "kuayu_session", value: "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC", url: sys.consoleUrl }]);
      expect((await forged.request.get(`${sys.consoleUrl}/api/me`)).status()).toBe(401);
      await forged.close();
    } finally {
      await context.close();
    }
  }, 60_000);

  it("passes the services' own refusals through: a clerk may not supervise, a supervisor may not file", async () => {
    const clerk = await signIn(browser, sys.consoleUrl, "clerk");
    const sup = await signIn(browser, sys.consoleUrl, "supervisor-bj");
    try {
      const call = (c: typeof clerk, method: string, body: unknown) =>
        c.context.request.post(`${sys.consoleUrl}/api/${method}`, { headers: { "content-type": "application/json", "connect-protocol-version": "1" }, data: JSON.stringify(body) });
      const indicators = await call(clerk, "kuayu.supervision.v1.SupervisionService/GetIndicators", { scope: { level: "SCOPE_LEVEL_NATIONAL" } });
      expect([indicators.status(), ((await indicators.json()) as { code: string }).code]).toEqual([403, "permission_denied"]);
      const draft = await call(sup, "kuayu.intake.v1.FilingIntakeService/CreateDraft", { details: { caseType: "CASE_TYPE_CIVIL_FIRST_INSTANCE" } });
      expect([draft.status(), ((await draft.json()) as { code: string }).code]).toEqual([403, "permission_denied"]);
    } finally {
      await clerk.context.close();
      await sup.context.close();
    }
  }, 60_000);
});
