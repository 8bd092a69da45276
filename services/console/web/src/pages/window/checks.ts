import type { Rule } from "antd/es/form";
import { validateCreditCode, validateResidentId } from "../../../../../../libs/domain/src/identity";

// Instant client-side checks of identity numbers and phones: the same rules intake applies (the
// domain library), with Chinese messages. The service checks again on every save and submission.

const RESIDENT_ID_REASONS: Record<string, string> = {
  "must be 18 characters": "应为18位",
  "first 17 characters must be digits": "前17位应为数字",
  "check character must be an uppercase X, not a lowercase x": "校验码X应为大写",
  "last character must be a digit or X": "末位应为数字或X",
  "invalid province code": "前两位不是有效的省级行政区划代码",
  "invalid birth date": "出生日期无效",
  "birth date is in the future": "出生日期晚于今天",
  "check digit mismatch": "校验码不符（GB 11643）",
};

const CREDIT_CODE_REASONS: Record<string, string> = {
  "must be 18 characters": "应为18位",
  "only digits and uppercase letters other than I, O, S, V, Z are allowed": "只能包含数字和除I、O、S、V、Z以外的大写字母",
  "characters 3-8 (region code) must be digits": "第3至8位（登记管理机关行政区划码）应为数字",
  "check character mismatch": "校验码不符（GB 32100）",
};

/** Same pattern as intake's. */
const PHONE = /^\+?[0-9][0-9 -]{4,19}$/;

const check = (fn: (v: string) => string | undefined, reasons: Record<string, string>, what: string): Rule => ({
  validator: async (_rule, value: unknown) => {
    if (typeof value !== "string" || value === "") return;
    const why = fn(value);
    if (why) throw new Error(`${what}${reasons[why] ?? why}`);
  },
});

export const residentIdRule = check((v) => validateResidentId(v), RESIDENT_ID_REASONS, "身份证号码");
export const creditCodeRule = check(validateCreditCode, CREDIT_CODE_REASONS, "统一社会信用代码");
export const phoneRule = check((v) => (PHONE.test(v) ? undefined : "bad"), { bad: "格式不正确" }, "电话号码");

/** Identity numbers are written upper case and without spaces. */
export const normalizeId = (v: unknown) => (typeof v === "string" ? v.replace(/\s/g, "").toUpperCase() : v);
