/**
 * The sample accounts of the development identity provider, one per kind of console user. Their
 * courts are real directory entries: a tribunal in Guangzhou files with a basic court in Beijing.
 * Sign-in name = the key; the password of every sample account is DEV_PASSWORD.
 */
export interface Account {
  name: string;
  court: string;
  province: string;
  roles: string[];
}

export const DEV_PASSWORD = "kuayu-dev";

export const ACCOUNTS: Record<string, Account> = {
  clerk: { name: "李窗口", court: "t-440103001", province: "44", roles: ["window-clerk"] },
  specialist: { name: "王专员", court: "c-110105", province: "11", roles: ["filing-specialist"] },
  "supervisor-bj": { name: "赵督导", court: "c-110000", province: "11", roles: ["supervisor"] },
  "supervisor-spc": { name: "陈督导", court: "c-spc", province: "00", roles: ["supervisor"] },
  "clerk-other": { name: "周窗口", court: "c-440104", province: "44", roles: ["window-clerk"] },
};
