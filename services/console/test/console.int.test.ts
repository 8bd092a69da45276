// The web console end to end: real services, identity provider and console processes, real Chromium.
import type { Browser, Locator, Page } from "playwright-core";
import { assertInfraUp, eventually, scanPdfQr } from "@kuayu/testkit";
import { accessibilityProblems, launchBrowser, PUBLIC_LOOKUP_PER_MINUTE, PUBLIC_VERIFY_PER_MINUTE, screenshot, signIn, startSystem, type System } from "./harness";

let sys: System;
/** Waits until a control can be used (e.g. 受理 once the materials are copied and verified). */
const enabled = (l: Locator, timeoutMs: number) => eventually(() => l.isEnabled(), timeoutMs, "the control to be enabled");
let browser: Browser;
/** The acceptance notice the filing test printed: what its holder checks on the public page. */
let printed: { code: string; sha256: string; caseNumber: string; pdf: Buffer; receipt: string } | undefined;
/** A phone's browser context: no session, Chinese, China time. */
const phone = () => browser.newContext({ viewport: { width: 360, height: 640 }, locale: "zh-CN", timezoneId: "Asia/Shanghai", isMobile: true, hasTouch: true });
/** Records a public page's accessibility problems — and its being wider than the phone — and takes its screenshot. */
async function lookOnPhone(problems: Record<string, string[]>, page: Page, name: string): Promise<void> {
  problems[name] = await accessibilityProblems(page);
  const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
  if ((overflow as number) > 0) problems[name].push(`the page is ${overflow}px wider than the screen`);
  await screenshot(page, name);
}

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

describe("a filing through the console, from the window to the supervisor", () => {
  /** axe-core's serious and critical problems of every page visited, by page. */
  const a11y: Record<string, string[]> = {};
  const look = async (page: Page, name: string) => {
    // Not "networkidle": the watch streams stay open. Loaded, and no spinner left.
    await page.waitForLoadState("load");
    await eventually(async () => (await page.locator(".ant-spin-spinning").count()) === 0, 30_000, "the page to finish loading");
    await page.mouse.move(0, 0); // the page as it is, not as a hovered control looks
    a11y[name] = await accessibilityProblems(page);
    await screenshot(page, name);
  };
  const pdfBytes = (seed: number) => Buffer.concat([Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1"), Buffer.alloc(3000, seed)]);
  const upload = async (page: Page, item: string, seed: number) => {
    const region = page.getByRole("region", { name: item, exact: true });
    await region.locator("input[type=file]").setInputFiles({ name: `${item}.pdf`, mimeType: "application/pdf", buffer: pdfBytes(seed) });
    await region
      .getByRole("link", { name: `${item}.pdf` })
      .first()
      .waitFor();
    // The sent file's progress line fades out (an animation): gone before the page is examined.
    await eventually(async () => (await region.locator(".ant-upload-list > *").count()) === 0, 10_000, "the upload's progress line to go");
  };
  // A button that was busy once keeps Ant Design's hidden "loading" icon in its accessible name.
  const next = (page: Page) => page.getByRole("button", { name: /^(loading )?下一步$/ }).click();

  it("files with a Beijing court through the wizard, corrects on request, sees the acceptance live and prints the notice; the supervisor sees it counted; another court cannot open it", async () => {
    const clerk = await signIn(browser, sys.consoleUrl, "clerk");
    const specialist = await signIn(browser, sys.consoleUrl, "specialist");
    const p = clerk.page;
    try {
      await look(p, "window-filings-empty");
      // 1. The wizard: case type, the court (searched in the directory), parties, claims, materials, review.
      await p.goto(`${sys.consoleUrl}/window/new`);
      await p.getByRole("radio", { name: "民事一审" }).check();
      await look(p, "window-new-1-case-type");
      await next(p);
      await p.waitForURL(/\/window\/new\?draft=/);
      await p.getByRole("tab", { name: "按名称或代字搜索" }).click();
      await p.getByLabel("法院名称或代字").fill("北京市朝阳区人民法院");
      await p.getByRole("button", { name: "搜索", exact: true }).click();
      await p.getByRole("listitem").filter({ hasText: "北京市朝阳区人民法院（京0105）" }).getByRole("button", { name: "选择此法院" }).click();
      await look(p, "window-new-2-court");
      await next(p);
      // The wizard's fields by their ids (antd: <form name>_<path>), each labelled on the page.
      const field = (path: string) => p.locator(`#filing_${path}`);
      await field("parties_0_name").fill("张三");
      await field("parties_0_residentId").fill("11010519491231002X");
      await field("parties_0_address").fill("广东省广州市荔湾区沙面大街1号");
      await field("parties_0_phone").fill("13800138000");
      await p.getByRole("radio", { name: "法人或其他组织" }).nth(1).check();
      await field("parties_1_name").fill("北京某贸易有限公司");
      await field("parties_1_creditCode").fill("91350100M000100Y43");
      await field("parties_1_address").fill("北京市朝阳区建国路1号");
      await look(p, "window-new-3-parties");
      await next(p);
      await field("claims").fill("判令被告支付货款人民币十万元");
      await field("facts").fill("原被告于2026年签订买卖合同，被告未付货款。");
      await next(p);
      for (const [i, item] of ["起诉状", "当事人身份证明", "证据材料", "送达地址确认书"].entries()) await upload(p, item, i + 1);
      await look(p, "window-new-5-materials");
      await next(p);
      await look(p, "window-new-6-review");
      await p.getByRole("button", { name: "提交申请", exact: true }).click();
      await p.waitForURL(/\/window\/filings\/[^/]+$/);
      const filingId = decodeURIComponent(new URL(p.url()).pathname.split("/").pop()!);
      await p.getByText("已送达管辖法院", { exact: true }).first().waitFor({ timeout: 30_000 });
      await look(p, "window-filing-routed");

      // 2. The specialist in another browser context: the filing arrives in the inbox live; acknowledge, ask for corrections.
      const s = specialist.page;
      await s.goto(`${sys.consoleUrl}/inbox`);
      const receipt = await p.evaluate(async (id) => {
        const r = await fetch("/api/kuayu.intake.v1.FilingIntakeService/GetFiling", {
          method: "POST",
          headers: { "content-type": "application/json", "connect-protocol-version": "1" },
          body: JSON.stringify({ filingId: id }),
        });
        return ((await r.json()) as { filing: { receiptNumber: string } }).filing.receiptNumber;
      }, filingId);
      await s.getByRole("link", { name: receipt }).click({ timeout: 30_000 });
      await look(s, "inbox-list-and-filing");
      await s.getByRole("button", { name: "确认收到", exact: true }).click();
      await s.getByText("已确认收到").first().waitFor();
      await s.getByRole("button", { name: "要求补正", exact: true }).click();
      const dialog = s.getByRole("dialog");
      await dialog.getByRole("checkbox", { name: "证据材料" }).check();
      await dialog.getByLabel("证据材料：补正说明").fill("请补充买卖合同原件的扫描件");
      await look(s, "inbox-request-corrections");
      await dialog.getByRole("button", { name: "发送补正通知", exact: true }).click();
      await s
        .getByText(/已要求补正/)
        .first()
        .waitFor();

      // 3. The clerk sees it without reloading, uploads the contract, resubmits.
      await p.getByText("待补正", { exact: true }).first().waitFor({ timeout: 30_000 });
      await p.getByText("请补充买卖合同原件的扫描件").first().waitFor();
      await look(p, "window-filing-corrections");
      await upload(p, "证据材料", 9);
      await p.getByRole("button", { name: "提交补正", exact: true }).click();

      // 4. The specialist accepts once the corrected materials are copied; the case number appears.
      const accept = s.getByRole("button", { name: "受理", exact: true });
      await enabled(accept, 60_000);
      await accept.click();
      await s.getByRole("button", { name: "确定受理", exact: true }).click();
      const caseNumber = (await s
        .getByText(/案号：/)
        .first()
        .textContent({ timeout: 30_000 }))!
        .replace(/^.*案号：/, "")
        .trim();
      expect(caseNumber).toMatch(/^（2026）京0105民初\d+号$/);
      await look(s, "inbox-accepted");

      // 5. The clerk sees 已立案 live, with the case number, and opens the acceptance notice (a PDF in a new tab).
      await p.getByText("已立案", { exact: true }).first().waitFor({ timeout: 30_000 });
      await p.getByText(caseNumber).first().waitFor();
      await look(p, "window-filing-accepted");
      const notice = p.getByRole("link", { name: "受理通知书" });
      expect(await notice.getAttribute("target")).toBe("_blank");
      const pdf = await clerk.context.request.get(new URL((await notice.getAttribute("href"))!, sys.consoleUrl).href);
      expect([pdf.status(), pdf.headers()["content-type"], (await pdf.body()).subarray(0, 5).toString()]).toEqual([200, "application/pdf", "%PDF-"]);
      const [tab] = await Promise.all([clerk.context.waitForEvent("page"), notice.click()]);
      expect(tab.url()).toContain(`/api/documents/${encodeURIComponent(filingId)}/DOCUMENT_KIND_ACCEPTANCE_NOTICE`);
      await tab.close();
      printed = { code: pdf.headers()["x-kuayu-verification-code"]!, sha256: pdf.headers()["x-kuayu-sha256"]!, caseNumber, pdf: await pdf.body(), receipt };

      // 6. The SPC's supervisor: Beijing counted in the ranking and on the map.
      const sup = await signIn(browser, sys.consoleUrl, "supervisor-spc");
      try {
        await eventually(
          async () => {
            await sup.page.goto(`${sys.consoleUrl}/supervision/rankings`);
            const row = sup.page.getByRole("row", { name: /北京市/ }).first();
            await row.waitFor();
            return (await row.getByRole("cell").nth(2).textContent())?.trim() === "1";
          },
          60_000,
          "Beijing's one filing in the ranking",
        );
        await look(sup.page, "supervision-rankings");
        await sup.page.goto(`${sys.consoleUrl}/supervision`);
        const map = sup.page.getByRole("img", { name: /全国各省30分钟响应率地图/ });
        await expect(map.getAttribute("aria-label")).resolves.toMatch(/北京市 100(\.0)?%/);
        // What the accepted filing saved its party (Guangzhou → Beijing, two trips with the correction round).
        await expect(sup.page.locator(".ant-statistic").filter({ hasText: "为当事人节约诉讼成本" }).textContent()).resolves.toMatch(/¥[1-9][\d,]*（件均 ¥[1-9][\d,]*）/);
        await look(sup.page, "supervision-overview");
        for (const tab of ["trends", "overdue", "notices", "satisfaction", "drills"]) {
          await sup.page.goto(`${sys.consoleUrl}/supervision/${tab}`);
          await look(sup.page, `supervision-${tab}`);
        }
      } finally {
        await sup.context.close();
      }

      // 7. Another court's clerk cannot open it by its URL.
      const other = await signIn(browser, sys.consoleUrl, "clerk-other");
      try {
        await other.page.goto(`${sys.consoleUrl}/window/filings/${encodeURIComponent(filingId)}`);
        await other.page.getByText("无权查看该申请").waitFor();
      } finally {
        await other.context.close();
      }

      // The remaining pages, for accessibility and the screenshots.
      await p.goto(`${sys.consoleUrl}/window/filings`);
      await p.getByText(receipt).first().waitFor();
      await look(p, "window-filings");
      await p.goto(`${sys.consoleUrl}/directory`);
      await look(p, "directory");
      await p.goto(`${sys.consoleUrl}/directory/c-110105`);
      await p.getByText("跨域立案法官通讯录").first().waitFor();
      await look(p, "directory-court");
      await p.goto(`${sys.consoleUrl}/notifications`);
      await look(p, "notifications");
      await s.goto(`${sys.consoleUrl}/inbox`);
      await look(s, "inbox");
      expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((k) => [k, []])));
    } catch (err) {
      // What each browser showed when it failed, next to the test's output.
      if (process.env.CONSOLE_SCREENSHOTS) for (const [who, c] of Object.entries({ clerk, specialist })) await screenshot(c.page, `failed-${who}`, true);
      throw err;
    } finally {
      await clerk.context.close();
      await specialist.context.close();
    }
  }, 420_000);
});

describe("on a tablet (768×1024)", () => {
  it("shows every area's first page without serious accessibility problems", async () => {
    const tablet = { width: 768, height: 1024 };
    const problems: Record<string, string[]> = {};
    for (const [account, pages] of [
      ["clerk", ["/window/filings", "/window/new", "/directory"]],
      ["specialist", ["/inbox", "/notifications"]],
      ["supervisor-spc", ["/supervision", "/supervision/rankings"]],
    ] as const) {
      const { context, page } = await signIn(browser, sys.consoleUrl, account, tablet);
      try {
        for (const path of pages) {
          await page.goto(`${sys.consoleUrl}${path}`);
          await page.waitForLoadState("load");
          await eventually(async () => (await page.locator(".ant-spin-spinning").count()) === 0, 30_000, "the page to finish loading");
          // Usable: every menu entry and the sign-out are on screen.
          await page.getByRole("link", { name: "退出" }).waitFor();
          for (const entry of await page.getByRole("menuitem").all()) {
            const box = await entry.boundingBox();
            if (!box || box.x < 0 || box.x + box.width > tablet.width) (problems[`menu ${path}`] ??= []).push(`the menu entry "${await entry.textContent()}" is off screen`);
          }
          const name = `tablet-${path.slice(1).replace(/\//g, "-")}`;
          problems[name] = await accessibilityProblems(page);
          // …and nothing wider than the screen (wide tables scroll inside their own region).
          const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
          if ((overflow as number) > 0) problems[name].push(`the page is ${overflow}px wider than the screen`);
          await screenshot(page, name);
        }
      } finally {
        await context.close();
      }
    }
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
  }, 180_000);
});

describe("the public verification page on a phone (360×640), without signing in", () => {
  it("opens from the notice's QR link and from the typed code and shows what the court issued, names masked; an unknown code says so; checks are limited per address", async () => {
    expect(printed).toBeDefined(); // by the filing test above
    const { code, sha256, caseNumber, pdf } = printed!;
    // The QR code printed on the notice, read off the rendered page as a phone's camera would.
    const link = scanPdfQr(pdf);
    expect(link).toBe(`${sys.consoleUrl}/verify/${code}`);
    const context = await phone();
    const problems: Record<string, string[]> = {};
    const look = (page: Page, name: string) => lookOnPhone(problems, page, name);
    try {
      const page = await context.newPage();
      // The QR code's link: no sign-in, the court's record of the notice.
      await page.goto(link!);
      await page.getByText("文书真实有效").waitFor({ timeout: 30_000 });
      expect(new URL(page.url()).pathname).toBe(`/verify/${code}`);
      const shown = await page.locator("main").innerText();
      for (const s of ["北京市朝阳区人民法院", "受理通知书", caseNumber, sha256, code, "张*"]) expect(shown).toContain(s);
      expect(shown).not.toMatch(/张三|北京某贸易有限公司|11010519491231002X|13800138000|沙面大街/);
      await look(page, "phone-verify-found");

      // Typed as people type it: lower case, spaces for dashes.
      await page.goto(`${sys.consoleUrl}/verify`);
      await look(page, "phone-verify");
      await page.getByLabel("验证码").fill(` ${code.toLowerCase().replace(/-/g, " ")} `);
      await page.getByRole("button", { name: "核验" }).click();
      await page.getByText("文书真实有效").waitFor({ timeout: 30_000 });
      expect(await page.locator("main").innerText()).toContain(sha256);

      // A code no notice has.
      await page.getByLabel("验证码").fill("2222-3333-4444");
      await page.getByRole("button", { name: "核验" }).click();
      await page.getByText("未找到该验证码对应的文书").waitFor({ timeout: 30_000 });
      await look(page, "phone-verify-not-found");

      // Three checks so far from this address; the rest of the minute's allowance, then 429 with Retry-After, and the page says so.
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < PUBLIC_VERIFY_PER_MINUTE; i++) {
        const r = await context.request.get(`${sys.consoleUrl}/api/public/verify/2222-3333-4444`);
        statuses.push(r.status());
        retryAfter ??= r.headers()["retry-after"];
      }
      expect(statuses).toEqual([...Array<number>(PUBLIC_VERIFY_PER_MINUTE - 3).fill(404), 429, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      await page.getByLabel("验证码").fill(code);
      await page.getByRole("button", { name: "核验" }).click();
      await page.getByText("查询过于频繁").waitFor({ timeout: 30_000 });
      await look(page, "phone-verify-limited");
    } finally {
      await context.close();
    }
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
  }, 120_000);
});

describe("the party's page on a phone (360×640), without signing in", () => {
  it("finds the filing by receipt number and the phone's last four digits and shows where it stands, the party masked and no one else, and their notices; the party rates and complains, and reads the province supervisor's answer; wrong digits and an unknown receipt get one answer; look-ups are limited per address", async () => {
    expect(printed).toBeDefined(); // by the filing test above: accepted after one correction round
    const { receipt, caseNumber, code } = printed!;
    const unknownReceipt = receipt.replace(/\d{6}$/, "999999");
    const context = await phone();
    const problems: Record<string, string[]> = {};
    const look = (page: Page, name: string) => lookOnPhone(problems, page, name);
    const lookup = (receiptNumber: string, phoneLast4: string) =>
      context.request.post(`${sys.consoleUrl}/api/public/party/lookup`, { headers: { "x-kuayu-request": "1" }, data: { receiptNumber, phoneLast4 } });
    try {
      const page = await context.newPage();
      await page.goto(`${sys.consoleUrl}/party`);
      const ask = async (receiptNumber: string, digits: string) => {
        await page.getByLabel("收件编号").fill(receiptNumber);
        await page.getByLabel("手机号后四位").fill(digits);
        await page.getByRole("button", { name: "查询" }).click();
      };
      await page.getByLabel("收件编号").waitFor({ timeout: 30_000 });
      await look(page, "phone-party");

      // Wrong digits, then a receipt number nobody has: the page and the endpoint answer both alike.
      await ask(receipt, "1234");
      await page.getByText("未找到相符的立案记录").waitFor({ timeout: 30_000 });
      const wrongDigits = await page.locator("main").innerText();
      await look(page, "phone-party-not-found");
      await ask(unknownReceipt, "8000");
      await page.getByText("未找到相符的立案记录").waitFor({ timeout: 30_000 });
      expect(await page.locator("main").innerText()).toBe(wrongDigits);
      const [a, b] = [await lookup(receipt, "1234"), await lookup(unknownReceipt, "8000")];
      expect([a.status(), await a.text()]).toEqual([404, await b.text()]);
      expect(b.status()).toBe(404);

      // The right digits (张三 gave 13800138000 at the window).
      await ask(`  ${receipt} `, "8000");
      await page.getByText(caseNumber).first().waitFor({ timeout: 30_000 });
      const shown = await page.locator("main").innerText();
      for (const s of ["已立案", receipt, "民事一审", "北京市朝阳区人民法院", "张*", "110*************2X", "受理通知书", "补正材料通知书", "跨域立案申请回执"]) expect(shown).toContain(s);
      expect(shown).not.toMatch(/张三|北京某贸易有限公司|91350100M000100Y43|11010519491231002X|13800138000|沙面大街|货款/);
      await look(page, "phone-party-accepted");

      // The party's own acceptance notice: the one the court printed (same verification code).
      const href = await page.getByRole("listitem").filter({ hasText: "受理通知书" }).getByRole("link", { name: "下载" }).getAttribute("href");
      const notice = await context.request.get(new URL(href!, sys.consoleUrl).href);
      expect([notice.status(), notice.headers()["content-type"], notice.headers()["x-kuayu-verification-code"], (await notice.body()).subarray(0, 5).toString()]).toEqual([
        200,
        "application/pdf",
        code,
        "%PDF-",
      ]);

      // The party's SMS went through Alibaba Cloud's SDK (checked by the stand-in for its API) to the
      // number given at the window, one per step; the party stops them here.
      const toParty = (kind: Parameters<System["smsTemplate"]>[0]) => sys.sms.accepted.filter((m) => m.templateId === sys.smsTemplate(kind) && m.params.receipt === receipt);
      await eventually(async () => toParty("party-accepted").length === 1, 30_000, "the party's SMS of the acceptance");
      // Routed twice: the filing, and its corrections.
      for (const [kind, times] of [
        ["party-submitted", 1],
        ["party-routed", 2],
        ["party-correction-requested", 1],
        ["party-accepted", 1],
      ] as const) {
        expect([kind, toParty(kind).map((m) => [m.phone, m.params.court])]).toEqual([kind, Array<string[]>(times).fill(["13800138000", "北京市朝阳区人民法院"])]);
      }
      expect(sys.sms.refused).toEqual([]);
      const smsSwitch = page.getByRole("switch", { name: /短信通知办理进度（发送至 138\*\*\*\*8000）/ });
      expect(await smsSwitch.isChecked()).toBe(true);
      await smsSwitch.click();
      await page.getByText("已停止短信通知").waitFor({ timeout: 30_000 });
      expect(await (await context.request.get(`${sys.consoleUrl}/api/public/party/sms`)).json()).toEqual({ phones: ["138****8000"], optOut: true });

      // The party rates the decided filing (once) and complains; the page gives the tracking number.
      await page.locator(".ant-rate-star").nth(3).click();
      await page.getByLabel("评价内容（选填）").fill("跨省立案，没有白跑");
      await page.getByRole("button", { name: "提交评价" }).click();
      await page.getByText("感谢您的评价").waitFor({ timeout: 30_000 });
      const again = await context.request.post(`${sys.consoleUrl}/api/public/party/rating`, { headers: { "x-kuayu-request": "1" }, data: { score: 5 } });
      expect([again.status(), ((await again.json()) as { message: string }).message]).toEqual([412, "this filing has been rated already"]);
      await page.getByLabel("投诉类别").click();
      await page.getByTitle("服务态度").click();
      const grievance = "补正通知的说明不够清楚，希望改进";
      await page.getByLabel("投诉内容").fill(grievance);
      await page.getByRole("button", { name: "提交投诉" }).click();
      const filed = (await page.getByText(/投诉已提交，投诉编号 TS-/).textContent({ timeout: 30_000 }))!;
      const tracking = /TS-\d{8}-[2-9A-Z]{6}/.exec(filed)![0];
      await page.getByLabel("我的投诉").getByText("待答复").waitFor();
      await look(page, "phone-party-complained");

      // Still there after a reload (the cookie, half an hour).
      await page.reload();
      await page.getByText(caseNumber).first().waitFor({ timeout: 30_000 });

      // Eight look-ups, ratings and complaints from this address so far: the rest of the minute's
      // allowance, then 429 with Retry-After; a fresh phone (same address) is told so.
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < PUBLIC_LOOKUP_PER_MINUTE - 8 + 2; i++) {
        const r = await lookup(unknownReceipt, "8000");
        statuses.push(r.status());
        retryAfter ??= r.headers()["retry-after"];
      }
      expect(statuses).toEqual([...Array<number>(PUBLIC_LOOKUP_PER_MINUTE - 8).fill(404), 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      const other = await phone();
      try {
        const p2 = await other.newPage();
        await p2.goto(`${sys.consoleUrl}/party`);
        await p2.getByLabel("收件编号").fill(receipt);
        await p2.getByLabel("手机号后四位").fill("8000");
        await p2.getByRole("button", { name: "查询" }).click();
        await p2.getByText("查询过于频繁").waitFor({ timeout: 30_000 });
        await look(p2, "phone-party-limited");
      } finally {
        await other.close();
      }

      // Beijing's supervisor (the jurisdiction court's province) answers it in the console; the party reads the answer.
      const sup = await signIn(browser, sys.consoleUrl, "supervisor-bj");
      try {
        await sup.page.goto(`${sys.consoleUrl}/supervision/satisfaction`);
        const row = sup.page.getByRole("row").filter({ hasText: tracking });
        await row.getByRole("cell", { name: "当事人" }).waitFor({ timeout: 30_000 });
        await row.getByRole("button", { name: "答复" }).click();
        await sup.page.getByLabel("答复内容").fill("已要求北京市朝阳区人民法院改进补正通知的写法");
        await sup.page.getByRole("button", { name: "提交答复" }).click();
        await row.getByText("已答复").waitFor({ timeout: 30_000 });
      } finally {
        await sup.context.close();
      }
      await page.reload();
      await page.getByText("已要求北京市朝阳区人民法院改进补正通知的写法").waitFor({ timeout: 30_000 });
      await look(page, "phone-party-answered");

      // Gone after leaving, notices too.
      await page.getByRole("button", { name: "退出查询" }).click();
      await page.getByLabel("收件编号").waitFor();
      for (const gone of [href!, "/api/public/party/filing", "/api/public/party/complaints"]) {
        expect([gone, (await context.request.get(new URL(gone, sys.consoleUrl).href)).status()]).toEqual([gone, 401]);
      }
    } finally {
      await context.close();
    }
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
  }, 180_000);
});
