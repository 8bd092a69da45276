// The operator CLI. Every command takes --json for machine-readable output.
import { Command } from "commander";
import path from "node:path";
import { auditCommands } from "./audit.js";
import { calendarCommands } from "./calendar.js";
import { infraStatusCommand } from "./infra.js";
import { directoryCommands } from "./directory.js";
import { dlqCommands } from "./dlq.js";
import { eventsJwksCommand } from "./events.js";
import { drillCommands } from "./drill.js";
import { filingCommands } from "./filing.js";
import { inboxCommands } from "./inbox.js";
import { documentCommands, notifyCommands, subscriptionCommands, webhookCommands } from "./notify.js";
import { caseNumberCommands, deadlineCommand, jurisdictionCommand } from "./rules.js";
import { retentionCommands } from "./retention.js";
import { superviseCommands } from "./supervise.js";
import { tokenJwksCommand, tokenMintCommand } from "./token.js";

const root = path.resolve(__dirname, "../../..");

const program = new Command().name("kuayu").description("Kuayu operator CLI — cross-domain case filing (跨域立案)").showHelpAfterError();

const token = program.command("token").description("bearer tokens for gRPC calls");
tokenMintCommand(token.command("mint"));
tokenJwksCommand(token.command("jwks"));

const events = program.command("events").description("signed events: the keys a release's producers sign with");
eventsJwksCommand(events.command("jwks"));

const infra = program.command("infra").description("the broker and store this machine uses");
infraStatusCommand(infra.command("status"));

directoryCommands(program.command("directory").description("the national court directory"), root);
caseNumberCommands(program.command("casenumber").description("case numbers (案号)"));
calendarCommands(program.command("calendar").description("the national holiday calendar (法定节假日与调休): a year's days, and checking an operator calendar file"));
deadlineCommand(program.command("deadline"));
jurisdictionCommand(program.command("jurisdiction").description("which court has jurisdiction"));
filingCommands(program.command("filing").description("filings at the collaborating court's window (协作法院窗口)"));
inboxCommands(program.command("inbox").description("the jurisdiction court's inbox (管辖法院收件箱): respond, accept, reject, ask for corrections"));
notifyCommands(program.command("notify").description("in-app notifications of your court and role (通知)"));
webhookCommands(program.command("webhook").description("webhook endpoints of your court's case-management system, and their deliveries"));
subscriptionCommands(program.command("subscription").description("e-mail and SMS (短信) subscriptions of your court"));
documentCommands(program.command("document").description("printable documents (回执, 受理通知书, …) and checking them by verification code"));
drillCommands(program.command("drill").description("nationwide drills (全国演练) through the real services, and load tests"));
dlqCommands(program.command("dlq").description("dead-lettered events (what consumers could never handle): list, show, replay"));
retentionCommands(program.command("retention").description('the retention schedule (docs/security.md "Retention"): anonymise and delete personal, drill and notification data when due'), root);
auditCommands(program.command("audit").description("the audit trail: a filing's records (who did what), and verifying a province's hash chain"));
superviseCommands(program.command("supervise").description("national supervision (全国监管) for supervisors: indicators, overdue filings, notices (通报), drills (演练), complaints"));

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`kuayu: ${err.message}\n`);
  process.exit(1);
});
