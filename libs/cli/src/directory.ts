import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { COURT_KINDS, type CourtKind } from "@kuayu/domain";
import { buildDirectory, directoryStats, exportDirectory, loadDirectory, parseImport, type ImportFormat } from "@kuayu/directory";
import { print, usageError } from "./output.js";

const formatOf = (file: string, given?: string): ImportFormat => {
  const f = given ?? (file.endsWith(".csv") ? "csv" : "json");
  if (f !== "json" && f !== "csv") usageError(`--format must be json or csv, got "${f}"`);
  return f;
};

export function directoryCommands(cmd: Command, root: string): void {
  const defaultOut = path.join(root, ".data/directory/courts.v1.json");
  const fileOption = "--file <path>";
  const fileHelp = "directory data file (default: the shipped national directory)";
  const load = (file?: string) => loadDirectory(file ? { file } : {});

  cmd
    .command("stats")
    .description("how many courts, per kind, level and province")
    .option(fileOption, fileHelp)
    .option("--json", "machine-readable output")
    .action((o: { file?: string; json?: boolean }) => {
      const s = directoryStats(load(o.file));
      print(o.json, s, () =>
        [
          `courts: ${s.total}`,
          `by kind: ${Object.entries(s.byKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}`,
          `by level: ${Object.entries(s.byLevel)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}`,
          `by province: ${Object.entries(s.byProvince)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")}`,
        ].join("\n"),
      );
    });

  cmd
    .command("find <text>")
    .description("courts whose name contains the text or whose court code starts with it")
    .option("--province <code>", "two-digit province code")
    .option("--kind <kind>", `one of ${COURT_KINDS.join(", ")}`)
    .option("--limit <n>", "at most this many", "20")
    .option(fileOption, fileHelp)
    .option("--json", "machine-readable output")
    .action((text: string, o: { province?: string; kind?: string; limit: string; file?: string; json?: boolean }) => {
      if (o.kind && !(COURT_KINDS as readonly string[]).includes(o.kind)) usageError(`unknown kind "${o.kind}"`);
      const dir = load(o.file);
      const hits = dir.courts
        .filter((c) => (c.name.includes(text) || (c.code !== "" && c.code.startsWith(text))) && (!o.province || c.province === o.province) && (!o.kind || c.kind === (o.kind as CourtKind)))
        .slice(0, Number(o.limit));
      print(o.json, hits, () => hits.map((c) => `${c.id.padEnd(14)} ${(c.code || "-").padEnd(8)} ${c.kind.padEnd(13)} ${c.name}`).join("\n") || "no court found");
    });

  cmd
    .command("import <file>")
    .description("validate an official directory (JSON or CSV) and install it for the routing service (DIRECTORY_FILE)")
    .option("--format <format>", "json or csv (default: by file extension)")
    .option("--out <path>", "where to write the installed directory", defaultOut)
    .option("--json", "machine-readable output")
    .action((file: string, o: { format?: string; out: string; json?: boolean }) => {
      const result = parseImport(readFileSync(file, "utf8"), formatOf(file, o.format));
      if (!result.ok) {
        print(o.json, { ok: false, problems: result.problems }, () =>
          [`${result.problems.length} problem(s); nothing was installed:`, ...result.problems.map((p) => `  line ${p.line ?? "?"}${p.id ? ` (${p.id})` : ""}: ${p.message}`)].join("\n"),
        );
        process.exitCode = 1;
        return;
      }
      const dir = buildDirectory(result.courts, result.header);
      mkdirSync(path.dirname(o.out), { recursive: true });
      // Write then rename, so a reader never sees half a file.
      writeFileSync(`${o.out}.tmp`, exportDirectory(dir, "json"));
      renameSync(`${o.out}.tmp`, o.out);
      print(o.json, { ok: true, courts: dir.courts.length, out: o.out }, () => `installed ${dir.courts.length} courts at ${o.out}; start routing with DIRECTORY_FILE=${o.out}`);
    });

  cmd
    .command("export")
    .description("write the directory as JSON or CSV (the formats import reads)")
    .option("--format <format>", "json or csv", "json")
    .option("--out <path>", "file to write (default: standard output)")
    .option(fileOption, fileHelp)
    .action((o: { format: string; out?: string; file?: string }) => {
      const text = exportDirectory(load(o.file), formatOf("", o.format));
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
