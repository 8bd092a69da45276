/**
 * Chinese texts of e-mail and SMS notifications (通知文本), for the people at the collaborating
 * court's window and at the jurisdiction court's filing desk.
 *
 * - Every subject and SMS starts with 【跨域立案】; SMS stay within 70 characters (one segment)
 *   where the facts allow: a longer variant is replaced by a shorter one without court names.
 * - Identity numbers are never printed: the facts carry none, and anything in free text that looks
 *   like a resident identity number or unified social credit code is masked.
 * - Times are shown in China time (UTC+8, no daylight saving).
 */
import { maskIdentityNumber } from "@kuayu/domain";

export const SMS_PREFIX = "【跨域立案】";
/** Characters of one SMS segment with Chinese text (UCS-2). */
export const SMS_SEGMENT_CHARS = 70;

/** Event types with a template, with the reminder kinds. */
export const MESSAGE_EVENT_TYPES = [
  "kuayu.intake.v1.FilingSubmitted",
  "kuayu.routing.v1.FilingRouted",
  "kuayu.routing.v1.RoutingFailed",
  "kuayu.decision.v1.Acknowledged",
  "kuayu.decision.v1.Accepted",
  "kuayu.decision.v1.Rejected",
  "kuayu.decision.v1.CorrectionRequested",
  "kuayu.intake.v1.CorrectionSubmitted",
  "kuayu.intake.v1.FilingWithdrawn",
  /** No response within 20 working minutes. */
  "reminder",
  /** No response within 24 hours. */
  "escalation",
  /** Arrived outside working hours; says when the court opens next. */
  "next-opening",
] as const;
export type MessageEventType = (typeof MESSAGE_EVENT_TYPES)[number];

/**
 * Kinds of SMS, one pre-approved template each at a provider with templates (Alibaba, Tencent:
 * SMS_TEMPLATES_FILE), in the order of MESSAGE_EVENT_TYPES.
 */
export const SMS_KINDS = [
  "filing-submitted",
  "filing-routed",
  "routing-failed",
  "acknowledged",
  "accepted",
  "rejected",
  "correction-requested",
  "correction-submitted",
  "withdrawn",
  "reminder",
  "escalation",
  "next-opening",
  // To the party who filed (partySmsFor), not to the courts' staff.
  "party-submitted",
  "party-routed",
  "party-routing-failed",
  "party-correction-requested",
  "party-accepted",
  "party-rejected",
  "party-withdrawn",
] as const;
/**
 * The parameters every SMS offers its template (a template uses those it names): the receipt
 * number, the jurisdiction court's name, the case type, the case number (accepted), the deadline
 * (corrections: 6月5日17:30) and the next opening (next-opening). Never an identity number.
 */
export const SMS_PARAMS = ["receipt", "court", "caseType", "caseNumber", "deadline", "opening"] as const;
const SMS_KIND_OF = Object.fromEntries(MESSAGE_EVENT_TYPES.map((t, i) => [t, SMS_KINDS[i]!])) as Record<MessageEventType, (typeof SMS_KINDS)[number]>;

/** The notification kinds of notification.proto, accepted as names of the reminder templates. */
const ALIASES: Readonly<Record<string, MessageEventType>> = {
  "kuayu.notification.Reminder": "reminder",
  "kuayu.notification.Escalation": "escalation",
  "kuayu.notification.NextOpening": "next-opening",
};

export interface MessageFacts {
  /** 收件编号, e.g. KY-c-110105-20261128-000042. */
  receiptNumber: string;
  /** 案号, once accepted, e.g. （2026）京0105民初1号. */
  caseNumber?: string;
  /** Names of the courts, e.g. 北京市朝阳区人民法院. */
  jurisdictionCourt: string;
  collaboratingCourt: string;
  /** e.g. 民事一审. */
  caseTypeName: string;
  /** Correction deadline (CorrectionRequested) or response deadline (reminders); a Date or a text shown as is. */
  deadline?: Date | string;
  /** Reasons of a rejection or routing failure, items to correct. */
  reasons?: string | readonly string[];
  /** When the jurisdiction court opens next (next-opening). */
  nextOpening?: Date | string;
}

export interface Message {
  subject: string;
  text: string;
  sms: string;
  /** The SMS as a provider's template fills it: its kind and parameters (SMS_KINDS, SMS_PARAMS). */
  smsTemplate: { kind: string; params: Record<(typeof SMS_PARAMS)[number], string> };
}

export function hasTemplate(eventType: string): boolean {
  return canonical(eventType) !== undefined;
}

function canonical(eventType: string): MessageEventType | undefined {
  if ((MESSAGE_EVENT_TYPES as readonly string[]).includes(eventType)) return eventType as MessageEventType;
  return Object.hasOwn(ALIASES, eventType) ? ALIASES[eventType] : undefined;
}

// 18-character resident identity numbers, old 15-digit ones, and unified social credit codes.
const IDENTITY_LIKE = /(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])/g;

/** Masks identity-like numbers and drops control characters (no header or line injection from free text). */
function clean(s: string | undefined): string {
  if (s === undefined || s === null) return "";
  return (
    String(s)
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f]+/g, " ")
      .trim()
      .replace(IDENTITY_LIKE, (m) => maskIdentityNumber(m))
  );
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const pad = (n: number) => String(n).padStart(2, "0");

/** `2026年6月5日 17:30` (China time); a string is shown as is. */
export function formatChinaTime(t: Date | string | undefined, short = false): string {
  if (t === undefined || t === null) return "";
  if (typeof t === "string") return clean(t);
  if (Number.isNaN(t.getTime())) return "";
  const c = new Date(t.getTime() + CHINA_OFFSET_MS);
  const day = `${c.getUTCMonth() + 1}月${c.getUTCDate()}日`;
  const time = `${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}`;
  return short ? `${day}${time}` : `${c.getUTCFullYear()}年${day} ${time}`;
}

function reasonList(r: MessageFacts["reasons"]): string[] {
  const list = typeof r === "string" ? [r] : Array.isArray(r) ? (r as readonly string[]) : [];
  return list.map((x) => clean(x)).filter((x) => x.length > 0);
}

const smsLength = (s: string) => [...s].length;

/** The first candidate that fits one SMS segment, else the shortest. */
function fitSms(...bodies: string[]): string {
  const all = bodies.map((b) => SMS_PREFIX + b);
  return all.find((s) => smsLength(s) <= SMS_SEGMENT_CHARS) ?? all.reduce((a, b) => (smsLength(b) < smsLength(a) ? b : a));
}

const FOOTER = "本邮件由跨域立案系统自动发送，请勿直接回复。如需办理，请登录跨域立案系统。";

interface Parts {
  /** Subject without the prefix and receipt number. */
  title: string;
  /** First paragraph of the e-mail. */
  lead: string;
  /** Extra paragraphs (reasons, items, deadline). */
  extra?: string[];
  /** SMS bodies without the prefix, longest first. */
  sms: string[];
}

/**
 * Subject, e-mail text and SMS for an event or reminder. Throws a RangeError for an event type
 * without a template (see `hasTemplate`).
 */
export function messageFor(eventType: string, facts: MessageFacts): Message {
  const kind = canonical(eventType);
  if (!kind) throw new RangeError(`no message template for event type ${JSON.stringify(eventType)}`);

  const r = clean(facts.receiptNumber);
  const juris = clean(facts.jurisdictionCourt);
  const collab = clean(facts.collaboratingCourt);
  const type = clean(facts.caseTypeName);
  const caseNo = clean(facts.caseNumber);
  const reasons = reasonList(facts.reasons);
  const deadline = formatChinaTime(facts.deadline);
  const deadlineShort = formatChinaTime(facts.deadline, true);
  const opening = formatChinaTime(facts.nextOpening);
  const openingShort = formatChinaTime(facts.nextOpening, true);
  const filing = `${type}跨域立案申请（收件编号：${r}）`;
  const numbered = (title: string, items: string[]) => (items.length === 0 ? [] : [`${title}：\n${items.map((x, i) => `${i + 1}. ${x}`).join("\n")}`]);

  const p: Parts = (() => {
    switch (kind) {
      case "kuayu.intake.v1.FilingSubmitted":
        return {
          title: "立案申请已提交",
          lead: `${collab}已提交${filing}，管辖法院为${juris}。`,
          sms: [`${type}跨域立案申请已向${juris}提交，收件编号${r}。`, `${type}跨域立案申请已提交，收件编号${r}。`],
        };
      case "kuayu.routing.v1.FilingRouted":
        return {
          title: "立案申请已送达管辖法院",
          lead: `${collab}提交的${filing}已送达${juris}，等待审查。`,
          sms: [`收件编号${r}已送达${juris}，等待审查。`, `收件编号${r}已送达管辖法院，等待审查。`],
        };
      case "kuayu.routing.v1.RoutingFailed":
        return {
          title: "立案申请未能送达管辖法院",
          lead: `${collab}提交的${filing}未能送达${juris}，请核实管辖法院及相关信息后处理。`,
          extra: reasons.length === 1 ? [`原因：${reasons[0]}`] : numbered("原因", reasons),
          sms: [`收件编号${r}未能送达${juris}，请登录系统处理。`, `收件编号${r}未能送达管辖法院，请登录系统处理。`],
        };
      case "kuayu.decision.v1.Acknowledged":
        return {
          title: "管辖法院已接收立案申请",
          lead: `${juris}已接收${collab}提交的${filing}，正在审查。`,
          sms: [`收件编号${r}已由${juris}接收，正在审查。`, `收件编号${r}已由管辖法院接收，正在审查。`],
        };
      case "kuayu.decision.v1.Accepted":
        return {
          title: "立案申请已受理",
          lead: `${collab}提交的${filing}已由${juris}受理${caseNo ? `，案号：${caseNo}` : ""}。`,
          sms: caseNo ? [`收件编号${r}已由${juris}受理，案号${caseNo}。`, `收件编号${r}已受理，案号${caseNo}。`] : [`收件编号${r}已由${juris}受理。`, `收件编号${r}已受理。`],
        };
      case "kuayu.decision.v1.Rejected":
        return {
          title: "立案申请不予受理",
          lead: `${collab}提交的${filing}经${juris}审查，决定不予受理。`,
          extra: reasons.length === 1 ? [`理由：${reasons[0]}`] : numbered("理由", reasons),
          sms: [`收件编号${r}经${juris}审查不予受理，详情请登录系统查看。`, `收件编号${r}经审查不予受理，详情请登录系统查看。`],
        };
      case "kuayu.decision.v1.CorrectionRequested":
        return {
          title: "立案申请需补正材料",
          lead: `${juris}审查${collab}提交的${filing}后，要求补正材料${deadline ? `，请于${deadline}前提交` : "，请及时提交"}。`,
          extra: numbered("需补正的材料", reasons),
          sms: deadlineShort
            ? [`收件编号${r}需补正材料，请于${deadlineShort}前提交。`, `收件编号${r}需补正材料，期限${deadlineShort}。`]
            : [`收件编号${r}需补正材料，请登录系统查看并及时提交。`, `收件编号${r}需补正材料，请及时提交。`],
        };
      case "kuayu.intake.v1.CorrectionSubmitted":
        return {
          title: "补正材料已提交",
          lead: `${collab}已就${filing}提交补正材料，请${juris}继续审查。`,
          sms: [`收件编号${r}的补正材料已提交${juris}，请审查。`, `收件编号${r}的补正材料已提交，请审查。`],
        };
      case "kuayu.intake.v1.FilingWithdrawn":
        return {
          title: "立案申请已撤回",
          lead: `${collab}提交的${filing}已撤回，${juris}无需继续办理。`,
          extra: reasons.length === 1 ? [`说明：${reasons[0]}`] : numbered("说明", reasons),
          sms: [`收件编号${r}的跨域立案申请已撤回，${juris}无需继续办理。`, `收件编号${r}的跨域立案申请已撤回。`],
        };
      case "reminder":
        return {
          title: "提醒：立案申请待处理",
          lead: `${collab}提交的${filing}已送达${juris}，工作时间内已逾20分钟尚未响应，请及时处理${deadline ? `（响应期限：${deadline}）` : ""}。`,
          sms: [`收件编号${r}送达${juris}已逾20分钟未响应，请及时处理。`, `收件编号${r}已逾20分钟（工作时间）未响应，请及时处理。`],
        };
      case "escalation":
        return {
          title: "督办：立案申请逾24小时未处理",
          lead: `${collab}提交的${filing}送达${juris}已逾24小时，仍未处理，现提请督办，请尽快处理。`,
          sms: [`收件编号${r}在${juris}已逾24小时未处理，请督办。`, `收件编号${r}已逾24小时未处理，请督办。`],
        };
      case "next-opening":
        return {
          title: "立案申请于非工作时间送达",
          lead: `${collab}提交的${filing}于${juris}非工作时间送达，${opening ? `将于${opening}（下一工作时间）起办理` : "将于下一工作时间起办理"}。`,
          sms: openingShort
            ? [`收件编号${r}于非工作时间送达，${juris}将于${openingShort}起办理。`, `收件编号${r}于非工作时间送达，将于${openingShort}起办理。`]
            : [`收件编号${r}于非工作时间送达，将于下一工作时间起办理。`],
        };
    }
  })();

  const facts_ = [`收件编号：${r}`, ...(caseNo ? [`案号：${caseNo}`] : []), `案件类型：${type}`, `协作法院：${collab}`, `管辖法院：${juris}`];
  const text = [p.lead, ...(p.extra ?? []), facts_.join("\n"), FOOTER].join("\n\n") + "\n";
  const smsTemplate = { kind: SMS_KIND_OF[kind], params: { receipt: r, court: juris, caseType: type, caseNumber: caseNo, deadline: deadlineShort, opening: openingShort } };
  return { subject: `${SMS_PREFIX}${p.title}（收件编号：${r}）`, text, sms: fitSms(...p.sms), smsTemplate };
}

/** The events the party who filed is told of by SMS, and their kind. */
const PARTY_SMS_KINDS: Readonly<Record<string, (typeof SMS_KINDS)[number]>> = {
  "kuayu.intake.v1.FilingSubmitted": "party-submitted",
  "kuayu.routing.v1.FilingRouted": "party-routed",
  "kuayu.routing.v1.RoutingFailed": "party-routing-failed",
  "kuayu.decision.v1.CorrectionRequested": "party-correction-requested",
  "kuayu.decision.v1.Accepted": "party-accepted",
  "kuayu.decision.v1.Rejected": "party-rejected",
  "kuayu.intake.v1.FilingWithdrawn": "party-withdrawn",
};

/**
 * The SMS to the party who filed (and their agent) of an event, or undefined when the party is
 * not told of it: in plain words, with what to do next, no identity number (the receipt number
 * lets them look the filing up on the party's page).
 */
export function partySmsFor(eventType: string, facts: MessageFacts): Pick<Message, "sms" | "smsTemplate"> | undefined {
  const kind = PARTY_SMS_KINDS[eventType];
  if (!kind) return undefined;
  const r = clean(facts.receiptNumber);
  const juris = clean(facts.jurisdictionCourt);
  const type = clean(facts.caseTypeName);
  const caseNo = clean(facts.caseNumber);
  const deadlineShort = formatChinaTime(facts.deadline, true);
  const bodies: string[] = (() => {
    switch (kind) {
      case "party-submitted":
        return [`您的${type}跨域立案申请已提交${juris}，收件编号${r}，可凭此号查询进度。`, `您的跨域立案申请已提交，收件编号${r}，可凭此号查询进度。`];
      case "party-routed":
        return [`收件编号${r}的立案材料已送达${juris}，法院将依法审查。`, `收件编号${r}的立案材料已送达管辖法院，法院将依法审查。`];
      case "party-routing-failed":
        return [`收件编号${r}的立案材料未能转交${juris}，请联系收件法院窗口。`, `收件编号${r}的立案材料未能转交，请联系收件法院窗口。`];
      case "party-correction-requested":
        return deadlineShort
          ? [`收件编号${r}需补正材料，请于${deadlineShort}前到收件法院窗口补正。`, `收件编号${r}需补正材料，期限${deadlineShort}。`]
          : [`收件编号${r}需补正材料，请到收件法院窗口补正。`];
      case "party-accepted":
        return caseNo ? [`收件编号${r}已由${juris}立案，案号${caseNo}。`, `收件编号${r}已立案，案号${caseNo}。`] : [`收件编号${r}已由${juris}立案。`];
      case "party-rejected":
        return [`收件编号${r}经${juris}审查不予受理，请查询进度或下载通知书。`, `收件编号${r}经审查不予受理，请查询进度或下载通知书。`];
      default:
        return [`收件编号${r}的跨域立案申请已撤回。`];
    }
  })();
  return { sms: fitSms(...bodies), smsTemplate: { kind, params: { receipt: r, court: juris, caseType: type, caseNumber: caseNo, deadline: deadlineShort, opening: "" } } };
}
