import type { FieldViolation } from "../../api/errors";
import { materialKindName } from "./labels";

// The service's field violations (English, with proto field paths) as the wizard shows them:
// the form field each belongs to, the wizard step, and a Chinese description where one is known.

const DESCRIPTIONS: Record<string, string> = {
  "a case type is required": "请选择案件类型",
  "unknown case type": "案件类型无效",
  "at least one plaintiff / applicant (原告 / 申请人) is required": "至少需要一名原告（申请人）",
  "at least one defendant / respondent (被告 / 被申请人) is required": "至少需要一名被告（被申请人）",
  "the claims (诉讼请求) are required": "请填写诉讼请求",
  "the facts and reasons (事实与理由) are required": "请填写事实与理由",
  "the jurisdiction court is required": "请选择管辖法院",
  "not a directory court id": "不是名录中的法院",
  "must be another court than the collaborating court itself": "管辖法院不能是本院",
  "the finder's legal basis is required when the court came from the finder": "请填写管辖依据",
  "a party role is required": "请选择诉讼地位",
  "a natural person or an organisation is required": "请填写当事人信息",
  "the resident ID number of the filing party is required": "原告（申请人）须填写身份证号码",
  "the unified social credit code of the filing party is required": "原告（申请人）须填写统一社会信用代码",
  "the legal representative is required": "请填写法定代表人",
  "an address for service (送达地址) is required": "请填写送达地址",
  "not a phone number": "电话号码格式不正确",
  "the kind of agent is required": "请选择代理人类型",
  "the scope of the authorisation (一般授权 / 特别授权) is required": "请选择授权范围",
  "a practising licence number is required for lawyers and legal workers": "律师、基层法律服务工作者须填写执业证号",
  "the agent's resident ID number is required": "请填写代理人身份证号码",
  "cannot change once submitted": "提交后不能修改",
};

export function describe(v: FieldViolation): string {
  const known = DESCRIPTIONS[v.description];
  if (known) return known;
  const missing = /^missing required material ([a-z0-9-]+) /.exec(v.description);
  if (missing) return `缺少必需材料：${materialKindName(missing[1]!)}`;
  const correction = /^the correction asks for ([a-z0-9-]+);/.exec(v.description);
  if (correction) return `请上传补正材料：${materialKindName(correction[1]!)}`;
  if (v.description.startsWith("not a valid resident ID number")) return "身份证号码无效";
  if (v.description.startsWith("not a valid unified social credit code")) return "统一社会信用代码无效";
  if (/^a name of 1/.test(v.description)) return "请填写姓名或名称（不超过200字）";
  if (v.description.startsWith("file type not accepted")) return "文件类型不符：只接受 PDF、JPEG、PNG 或 OFD 文件（按文件内容判断）";
  if (/^the material is larger than/.test(v.description)) return "文件超过大小上限";
  if (v.description === "the material is empty") return "文件为空";
  if (/^the filing's materials would exceed/.test(v.description)) return "本申请的材料总大小将超过上限";
  if (/^the bytes received hash to/.test(v.description)) return "服务端收到的文件与本机计算的 SHA-256 不一致，请重新上传";
  if (/is not on the .* checklist$/.test(v.description)) return "该材料不在本案件类型的材料清单中";
  return v.description;
}

/** The checklist item a material violation is about, if it names one. */
export function materialKindOf(v: FieldViolation): string | undefined {
  if (v.field !== "materials") return undefined;
  return /^missing required material ([a-z0-9-]+) /.exec(v.description)?.[1] ?? /^the correction asks for ([a-z0-9-]+);/.exec(v.description)?.[1];
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Leaf fields of the wizard's form a violation can be shown at. */
const LEAVES = new Set(["caseType", "liableOrganDecided", "drill", "jurisdictionCourtId", "jurisdictionBasis", "claims", "facts"]);
const PARTY_LEAVES = new Set(["role", "name", "residentId", "creditCode", "legalRepresentative", "address", "phone"]);
const AGENT_LEAVES = new Set(["name", "kind", "residentId", "licenseNumber", "authorization", "phone"]);

/**
 * The form field of a violation's path, e.g. details.parties[0].person.resident_id →
 * ["parties", 0, "residentId"]; undefined when it has none (shown in the summary only).
 */
export function formPath(field: string): (string | number)[] | undefined {
  const m = /^details\.(.+)$/.exec(field);
  if (!m) return undefined;
  const path = m[1]!
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((t) => t !== "person" && t !== "organization")
    .map((t) => (/^\d+$/.test(t) ? Number(t) : camel(t)));
  if (path.length === 1) return LEAVES.has(path[0] as string) ? path : undefined;
  if (path[0] !== "parties" || typeof path[1] !== "number") return undefined;
  if (path.length === 3 && path[2] === "identity") return [...path.slice(0, 2), "name"];
  if (path.length === 3) return PARTY_LEAVES.has(path[2] as string) ? path : undefined;
  if (path.length === 5 && path[2] === "agents" && typeof path[3] === "number") return AGENT_LEAVES.has(path[4] as string) ? path : undefined;
  return undefined;
}

/** The wizard step (0–5) a violation belongs to. */
export function stepOf(field: string): number {
  if (field === "materials") return 4;
  const f = field.replace(/^details\./, "");
  if (/^(case_type|liable_organ_decided|drill)/.test(f)) return 0;
  if (f.startsWith("jurisdiction")) return 1;
  if (f.startsWith("parties")) return 2;
  if (f === "claims" || f === "facts") return 3;
  return 5;
}
