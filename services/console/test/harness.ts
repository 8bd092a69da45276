// The whole system for the console's end-to-end tests: the five services, the development identity
// provider and the console, each its own process (built dist/), on the real broker and store, on
// databases and a topic namespace of this run, over mutual TLS (certificates of a CA of this run);
// and Debian's Chromium driven by playwright-core.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { connectMongo } from "@kuayu/mongo";
import { infra, spawnService, startSmsProviderCheck, testCertificates, testKeys, uniqueName, type ServiceProcess, type SmsCheck } from "@kuayu/testkit";
import { SMS_KINDS } from "../../notification/src/channels/templates";
import AxeBuilder from "@axe-core/playwright";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const root = path.resolve(__dirname, "../../..");

/** Checks per visitor address and minute on the console's public verification page. */
export const PUBLIC_VERIFY_PER_MINUTE = 6;
/** The console's party look-ups, ratings and complaints per address and minute in the tests. */
export const PUBLIC_LOOKUP_PER_MINUTE = 10;

export interface System {
  consoleUrl: string;
  /** Alibaba Cloud SMS as the deployment's provider: a local stand-in for its API, checking each request. */
  sms: SmsCheck;
  /** The template id of a kind of SMS in this system. */
  smsTemplate(kind: (typeof SMS_KINDS)[number]): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startSystem(): Promise<System> {
  const running: ServiceProcess[] = [];
  const dbs: string[] = [];
  const keys = testKeys();
  // Mutual TLS between every service and the console, as `make up` and the chart run them.
  const certs = testCertificates();
  const clientSecret = randomBytes(24).toString("base64url");
  const consolePort = await freePort();
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const spawn = async (name: string, main: string, env: Record<string, string>, started = `${name} started`) => {
    const p = spawnService(path.join(root, main), { OTEL_SERVICE_NAME: name, ...env });
    running.push(p);
    return p.waitFor((l) => l.msg === started, 90_000);
  };
  const idp = await spawn("dev-idp", "libs/dev-idp/dist/main.js", { DEV_IDP_PORT: "0", CONSOLE_URL: consoleUrl, CONSOLE_CLIENT_SECRET: clientSecret });
  const issuer = String(idp.issuer);
  const common = {
    GRPC_PORT: "0",
    GRPC_HOST: "127.0.0.1",
    ...infra.kafkaEnv,
    KAFKA_TOPIC_PREFIX: `e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}.`,
    MONGO_URI: infra.mongoUri,
    JWT_PUBLIC_KEY: keys.publicKey,
    OIDC_ISSUER: issuer,
    KAFKA_FROM_BEGINNING: "true",
    KAFKA_SESSION_TIMEOUT_MS: "6000",
    ...certs.serverEnv,
  };
  const db = (s: string) => {
    const name = uniqueName(`console_${s}`);
    dbs.push(name);
    return name;
  };
  const service = async (name: string, env: Record<string, string> = {}) => {
    const line = await spawn(name, `services/${name}/dist/main.js`, { ...common, KAFKA_GROUP_ID: uniqueName(name), ...env });
    return `127.0.0.1:${Number(line.grpcPort)}`;
  };
  const routing = await service("routing");
  const intake = await service("intake", { MONGO_DB: db("intake"), ROUTING_ADDR: routing, WATCH_POLL_MS: "200" });
  const decision = await service("decision", { MONGO_DB: db("decision"), JWT_PRIVATE_KEY: keys.privateKey, INTAKE_ADDRS: `*=${intake}`, COPY_INTERVAL_MS: "200", WATCH_POLL_MS: "200" });
  // SMS through Alibaba Cloud's SDK to a local stand-in for its API: every kind's template takes the receipt number and the court.
  const smsKey = { keyId: "LTAI5tKuayuConsoleTest", secret: randomBytes(16).toString("hex") };
  const templates = Object.fromEntries(SMS_KINDS.map((k, i) => [k, { templateId: `SMS_${9000 + i}`, params: ["receipt", "court"] }]));
  const sms = await startSmsProviderCheck({ provider: "aliyun", ...smsKey, signName: "跨域立案", templates: Object.fromEntries(Object.values(templates).map((t) => [t.templateId, t.params])) });
  const templatesFile = path.join(mkdtempSync(path.join(tmpdir(), "console-sms-")), "templates.json");
  writeFileSync(templatesFile, JSON.stringify(templates));
  const notification = await service("notification", {
    MONGO_DB: db("notification"),
    DOCUMENT_VERIFY_URL: `${consoleUrl}/verify`,
    SMS_PROVIDER: "aliyun",
    SMS_ENDPOINT: sms.url,
    SMS_SIGN_NAME: "跨域立案",
    SMS_TEMPLATES_FILE: templatesFile,
    SMS_ACCESS_KEY_ID: smsKey.keyId,
    SMS_ACCESS_KEY_SECRET: smsKey.secret,
  });
  const supervision = await service("supervision", { MONGO_DB: db("supervision"), HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", NOTICE_TIME: "off", SUPERVISION_FLUSH_MS: "200" });
  await spawn("console", "services/console/dist/main.js", {
    CONSOLE_PORT: String(consolePort),
    CONSOLE_HOST: "127.0.0.1",
    PUBLIC_URL: consoleUrl,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_SECRET: clientSecret,
    SESSION_KEY: randomBytes(32).toString("base64"),
    JWT_PRIVATE_KEY: keys.privateKey,
    PUBLIC_VERIFY_PER_MINUTE: String(PUBLIC_VERIFY_PER_MINUTE),
    PUBLIC_LOOKUP_PER_MINUTE: String(PUBLIC_LOOKUP_PER_MINUTE),
    INTAKE_ADDR: intake,
    DECISION_ADDR: decision,
    DIRECTORY_ADDR: routing,
    NOTIFICATION_ADDR: notification,
    SUPERVISION_ADDR: supervision,
    ...certs.clientEnv,
  });
  return {
    consoleUrl,
    sms,
    smsTemplate: (kind) => templates[kind]!.templateId,
    async close() {
      await Promise.all(running.map((p) => p.kill("SIGKILL")));
      await sms.close();
      const conn = await connectMongo({ uri: infra.mongoUri, dbName: "admin" });
      for (const name of dbs) await conn.useDb(name).dropDatabase();
      await conn.close();
    },
  };
}

/** Debian's Chromium (installed by the bootstrap), headless, without any traffic off this machine. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
  });
}

export const PASSWORD = "kuayu-dev";

/** A browser context signed in as one of the development provider's sample accounts, on its home page. */
export async function signIn(browser: Browser, consoleUrl: string, account: string, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(consoleUrl);
  await page.getByLabel("账号").selectOption(account);
  await page.getByLabel("密码").fill(PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL((u) => u.href.startsWith(consoleUrl) && !u.pathname.startsWith("/auth"));
  return { context, page };
}

/** axe-core's serious and critical accessibility violations on the page as it is now, one line each. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // The page at rest: a menu item's colour still fading in (a CSS transition) is not its colour.
  // (A string: the tests are compiled without the DOM's types.)
  await page.evaluate(
    "Promise.race([Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().iterations !== Infinity).map((a) => a.finished.catch(() => undefined))), new Promise((r) => setTimeout(r, 3000))]).then(() => true)",
  );
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join("; ")}`,
    );
}

/** With CONSOLE_SCREENSHOTS=<dir> (make screenshots: docs/console), a PNG of the page as it is now. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}
