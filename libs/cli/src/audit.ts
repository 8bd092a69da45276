// `kuayu audit …`: the audit trail (docs/security.md, "Audit trail") over gRPC, from supervision
// (kuayu.supervision.v1.SupervisionService ShowAudit, VerifyAudit). `show` lists a filing's records
// (for the courts of the filing and supervisors); `verify` recomputes a province's hash chain and
// names every record that was edited, deleted or reordered (supervisors; the SPC's: any province).
import type { Command } from "commander";
import { toJson } from "@bufbuild/protobuf";
import { auditV1, supervisionV1 } from "@kuayu/proto";
import { CliUsageError, DEFAULT_CALL_TIMEOUT_MS, runWithClient, table, tlsOptions, validated, type CommonOptions } from "./filing.js";
import { DEFAULT_SUPERVISION_ADDRESS, describeSupervisionFailure, supervisionConnection } from "./supervise.js";
import { print } from "./output.js";

const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;

function common(cmd: Command): Command {
  return tlsOptions(cmd)
    .option("--addr <host:port>", "supervision service address (env KUAYU_SUPERVISION_ADDR)", process.env.KUAYU_SUPERVISION_ADDR ?? DEFAULT_SUPERVISION_ADDRESS)
    .option("--token <jwt>", "bearer token (default: env KUAYU_TOKEN; see `kuayu token mint`)")
    .option("--timeout <seconds>", `deadline of the call (default: ${DEFAULT_CALL_TIMEOUT_MS / 1000})`)
    .option("--json", "machine-readable output");
}

const actorOf = (a: auditV1.Actor | undefined) => (a ? `${a.name || a.user}, ${a.courtId}` : "-");

/** `audit show` without --json: one line per record, in chain order. */
export function formatRecords(records: auditV1.ChainedRecord[]): string {
  if (records.length === 0) return "no audit records";
  return table(
    ["PROVINCE", "SEQ", "TIME (UTC)", "ACTOR", "ROLES", "METHOD", "TARGET", "RESULT", "TRACE"],
    records.map((c) => {
      const r = c.record;
      return [
        c.province,
        String(c.seq),
        r?.time ?? "",
        actorOf(r?.actor),
        (r?.actor?.roles ?? []).join(","),
        (r?.method ?? "").replace(/^\/kuayu\./, ""),
        r?.target ?? "",
        r?.result ?? "",
        (r?.traceId ?? "").slice(0, 16),
      ];
    }),
  );
}

/** `audit verify` without --json. */
export function formatVerify(r: supervisionV1.VerifyAuditResponse): string {
  const head = `${r.checked} records of province${r.provinces.length === 1 ? "" : "s"} ${r.provinces.join(", ")} checked: ${r.problems.length === 0 ? "the chain is intact" : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}`}`;
  if (r.problems.length === 0) return head;
  return [
    head,
    table(
      ["PROVINCE", "SEQ", "RECORD", "PROBLEM", "DETAIL"],
      r.problems.map((p) => [p.province, String(p.seq), p.recordId || "-", p.kind, p.detail]),
    ),
  ].join("\n");
}

const seqOption = (v: string | undefined, name: string): bigint => {
  if (v === undefined) return 0n;
  if (!/^\d{1,15}$/.test(v.trim()) || BigInt(v.trim()) < 1n) throw new CliUsageError(`${name} must be a sequence number (1 or more), got "${v}"`);
  return BigInt(v.trim());
};

export function auditCommands(cmd: Command): void {
  common(cmd.command("show <filing-id>").description("a filing's audit records: who did what, when, with which result (courts of the filing; supervisors)")).action(
    async (filingId: string, o: CommonOptions) => {
      const id = validated(() => {
        if (!filingId.trim()) throw new CliUsageError("name the filing");
        return filingId.trim();
      });
      await runWithClient(
        supervisionV1.SupervisionService,
        o,
        () => supervisionConnection(o),
        describeSupervisionFailure,
        async (client) => {
          const { records } = await client.showAudit({ filingId: id });
          print(o.json, { filingId: id, records: records.map((c) => toJson(auditV1.ChainedRecordSchema, c, JSON_OPTIONS)) }, () => formatRecords(records));
        },
      );
    },
  );

  common(
    cmd
      .command("verify")
      .description("recompute a province's audit hash chain and name every record edited, deleted or reordered (supervisors; exit 1 on a problem)")
      .option("--province <code>", "the province's chain (default: yours; the SPC's supervisors: every province)")
      .option("--from <seq>", "first sequence number (default: the first)")
      .option("--to <seq>", "last sequence number, included (default: the last)"),
  ).action(async (o: CommonOptions & { province?: string; from?: string; to?: string }) => {
    const req = validated(() => {
      const province = (o.province ?? "").trim();
      if (province && !/^\d{2}$/.test(province)) throw new CliUsageError(`--province must be a two-digit code, got "${o.province}"`);
      const fromSeq = seqOption(o.from, "--from");
      const toSeq = seqOption(o.to, "--to");
      if (fromSeq && toSeq && toSeq < fromSeq) throw new CliUsageError("--to is before --from");
      return { province, fromSeq, toSeq };
    });
    await runWithClient(
      supervisionV1.SupervisionService,
      o,
      () => supervisionConnection(o),
      describeSupervisionFailure,
      async (client) => {
        const r = await client.verifyAudit(req);
        print(o.json, toJson(supervisionV1.VerifyAuditResponseSchema, r, JSON_OPTIONS), () => formatVerify(r));
        if (r.problems.length > 0) process.exitCode = 1;
      },
    );
  });
}
