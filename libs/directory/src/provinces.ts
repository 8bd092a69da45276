/**
 * Provincial-level divisions that have a high court (GB/T 2260 codes) and their court-code
 * abbreviations (docs/domain.md (Courts)). Taiwan, Hong Kong and Macao have no people's courts. Courts with
 * national jurisdiction (the SPC, the PLA Military Court) use the pseudo-province "00".
 * scripts/generate.js carries the same table; the data tests validate its output against this one.
 */
export const PROVINCES: Readonly<Record<string, { readonly name: string; readonly abbreviation: string }>> = {
  "11": { name: "北京市", abbreviation: "京" },
  "12": { name: "天津市", abbreviation: "津" },
  "13": { name: "河北省", abbreviation: "冀" },
  "14": { name: "山西省", abbreviation: "晋" },
  "15": { name: "内蒙古自治区", abbreviation: "内" },
  "21": { name: "辽宁省", abbreviation: "辽" },
  "22": { name: "吉林省", abbreviation: "吉" },
  "23": { name: "黑龙江省", abbreviation: "黑" },
  "31": { name: "上海市", abbreviation: "沪" },
  "32": { name: "江苏省", abbreviation: "苏" },
  "33": { name: "浙江省", abbreviation: "浙" },
  "34": { name: "安徽省", abbreviation: "皖" },
  "35": { name: "福建省", abbreviation: "闽" },
  "36": { name: "江西省", abbreviation: "赣" },
  "37": { name: "山东省", abbreviation: "鲁" },
  "41": { name: "河南省", abbreviation: "豫" },
  "42": { name: "湖北省", abbreviation: "鄂" },
  "43": { name: "湖南省", abbreviation: "湘" },
  "44": { name: "广东省", abbreviation: "粤" },
  "45": { name: "广西壮族自治区", abbreviation: "桂" },
  "46": { name: "海南省", abbreviation: "琼" },
  "50": { name: "重庆市", abbreviation: "渝" },
  "51": { name: "四川省", abbreviation: "川" },
  "52": { name: "贵州省", abbreviation: "黔" },
  "53": { name: "云南省", abbreviation: "云" },
  "54": { name: "西藏自治区", abbreviation: "藏" },
  "61": { name: "陕西省", abbreviation: "陕" },
  "62": { name: "甘肃省", abbreviation: "甘" },
  "63": { name: "青海省", abbreviation: "青" },
  "64": { name: "宁夏回族自治区", abbreviation: "宁" },
  "65": { name: "新疆维吾尔自治区", abbreviation: "新" },
};

/** Pseudo-province of courts with national jurisdiction. */
export const NATIONAL = "00";
