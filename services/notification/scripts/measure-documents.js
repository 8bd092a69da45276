#!/usr/bin/env node
// Size and CPU time of each printable document, as the service renders them (the built dist/).
//   node services/notification/scripts/measure-documents.js [--runs N] [--module PATH]
// (repo root, after `source scripts/env.sh` and `npx tsc -b services/notification`). Prints, per
// kind: bytes of the PDF, and the median / p90 CPU time (user + system, process.cpuUsage) and
// wall time of one render after a warm-up (fonts read, code compiled). --module: another build of
// src/documents (its index.js), e.g. an older one to compare with.
"use strict";

const path = require("node:path");
const { performance } = require("node:perf_hooks");

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const runs = Number(arg("runs", 30));
const modulePath = path.resolve(arg("module", path.join(__dirname, "../dist/documents/index.js")));

const base = {
  verificationCode: "K7QF-9XMA-2RTD",
  issuedAt: new Date("2026-11-28T02:15:00Z"),
  filingId: "f-01JDX4Y8Q2",
  caseType: "civil-first-instance",
  collaboratingCourt: "广州市天河区人民法院",
  jurisdictionCourt: "北京市朝阳区人民法院",
  receiptNumber: "KY-t-440106-20261128-000042",
  parties: [
    { role: "plaintiff", name: "张三" },
    { role: "plaintiff", name: "王五" },
    { role: "defendant", name: "北京某某科技有限公司" },
    { role: "third-party", name: "李四" },
  ],
  submittedAt: new Date("2026-11-28T01:40:00Z"),
};
const inputs = {
  receipt: {
    ...base,
    kind: "receipt",
    materials: [
      { kind: "complaint", fileName: "起诉状.pdf" },
      { kind: "filer-identity", fileName: "身份证明.jpg" },
      { kind: "opposing-party-details", fileName: "被告信息.pdf" },
      { kind: "evidence", fileName: "证据目录及证据.pdf" },
      { kind: "address-for-service-confirmation", fileName: "送达地址确认书.pdf" },
    ],
  },
  "acceptance-notice": { ...base, kind: "acceptance-notice", caseNumber: "（2026）京0105民初1号", decidedAt: new Date("2026-11-28T02:10:00Z") },
  "non-acceptance": {
    ...base,
    kind: "non-acceptance",
    decidedAt: new Date("2026-11-28T02:10:00Z"),
    rejection: {
      category: "no-jurisdiction",
      reason: "被告住所地及合同履行地均不在本院辖区，本院对本案没有管辖权。",
      legalBasis: "《中华人民共和国民事诉讼法》第一百二十二条、第一百二十七条",
    },
  },
  "correction-notice": {
    ...base,
    kind: "correction-notice",
    correction: {
      items: [
        { materialKind: "evidence", description: "证据材料缺少第3页，请补充完整的借款合同复印件" },
        { materialKind: "filer-identity", description: "身份证明复印件不清晰，请重新提交" },
        { materialKind: "", description: "起诉状未写明具体的诉讼请求金额" },
      ],
      deadline: new Date("2026-12-05T09:00:00Z"),
      note: "补正材料可通过协作法院立案窗口提交",
    },
  },
};

const pct = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];

async function main() {
  const { renderDocument, DOCUMENT_KINDS } = require(modulePath);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await renderDocument(inputs.receipt);
  const first = process.cpuUsage(c0);
  console.log(`first render (fonts loaded): ${((first.user + first.system) / 1000).toFixed(0)} ms CPU, ${(performance.now() - t0).toFixed(0)} ms wall`);
  console.log(["kind", "bytes", "cpu p50 ms", "cpu p90 ms", "wall p50 ms"].join("\t"));
  for (const kind of DOCUMENT_KINDS) {
    for (let i = 0; i < 5; i++) await renderDocument(inputs[kind]); // warm-up
    const cpu = [];
    const wall = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const c = process.cpuUsage();
      const w = performance.now();
      const pdf = await renderDocument(inputs[kind]);
      wall.push(performance.now() - w);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
      bytes = pdf.length;
    }
    console.log([kind, bytes, pct(cpu, 50).toFixed(1), pct(cpu, 90).toFixed(1), pct(wall, 50).toFixed(1)].join("\t"));
  }
}
module.exports = { inputs };
if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
