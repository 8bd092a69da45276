// Messages as k6 shows them to scripts: protojson with unpopulated fields emitted (JSON names,
// enums as names, 64-bit integers as strings, bytes as base64, unset messages null). proto-loader
// gives the values in that form; this renames fields to protoc's JSON names (proto-loader's own
// camelCase keeps "_3" in "rate_30_minutes") and writes the well-known types protojson writes as
// JSON scalars: Timestamp as RFC 3339, Duration as "1.5s", wrappers as their value.
import type { PackageDefinition } from "@grpc/proto-loader";

export const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, bytes: String, defaults: true, arrays: true, objects: false, oneofs: false } as const;

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  /** Only map entries matter here: proto-loader lists other nested messages under their full names. */
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean } | null;
}

const WRAPPERS = new Set(["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map((w) => `google.protobuf.${w}Value`));

export function timestampToJson(t: { seconds?: string | number; nanos?: number }): string {
  const seconds = Number(t.seconds ?? 0);
  const nanos = t.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  // protojson prints 0, 3, 6 or 9 fractional digits, whichever is exact.
  const frac =
    nanos === 0 ? "" : nanos % 1e6 === 0 ? `.${String(nanos / 1e6).padStart(3, "0")}` : nanos % 1e3 === 0 ? `.${String(nanos / 1e3).padStart(6, "0")}` : `.${String(nanos).padStart(9, "0")}`;
  return `${base}${frac}Z`;
}

export function timestampFromJson(s: unknown): { seconds: string; nanos: number } {
  const m = typeof s === "string" ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(s) : null;
  const ms = m ? Date.parse(`${m[1]}${m[3]!.toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new Error(`"${String(s)}" is not an RFC 3339 timestamp (e.g. 2026-03-01T08:00:00Z)`);
  return { seconds: String(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, "0")) : 0 };
}

export function durationToJson(d: { seconds?: string | number; nanos?: number }): string {
  const seconds = Number(d.seconds ?? 0);
  const nanos = d.nanos ?? 0;
  const negative = seconds < 0 || nanos < 0;
  const abs = Math.abs(nanos);
  const frac = abs === 0 ? "" : abs % 1e6 === 0 ? `.${String(abs / 1e6).padStart(3, "0")}` : abs % 1e3 === 0 ? `.${String(abs / 1e3).padStart(6, "0")}` : `.${String(abs).padStart(9, "0")}`;
  return `${negative ? "-" : ""}${Math.abs(seconds)}${frac}s`;
}

export function durationFromJson(s: unknown): { seconds: string; nanos: number } {
  const m = typeof s === "string" ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(s) : null;
  if (!m) throw new Error(`"${String(s)}" is not a protobuf duration (e.g. "1.5s")`);
  const sign = m[1] ? -1 : 1;
  return { seconds: String(sign * Number(m[2])), nanos: sign * (m[3] ? Number(m[3].padEnd(9, "0")) : 0) };
}

interface FieldInfo {
  /** As in the .proto file (proto-loader keeps the case). */
  name: string;
  /** protojson's name: underscores dropped, a lower-case letter after one upper-cased. */
  json: string;
  repeated: boolean;
  /** Full name of the field's message type (for maps: of the entry). */
  message?: string;
  /** For map fields: the full name of the value's message type, or "" for scalar values. */
  mapValue?: string;
}

/** protoc's JSON name of a field (Go's strs.JSONCamelCase): "response_rate_30_minutes" → "responseRate30Minutes". */
export const jsonName = (name: string): string => name.replace(/_+([a-z]?)/g, (_, c: string) => c.toUpperCase());

/** Converts between k6's protojson objects and what proto-loader (de)serializes, per message type. */
export class ProtoJson {
  private readonly fields = new Map<string, FieldInfo[]>();

  constructor(private readonly pd: PackageDefinition) {}

  private descriptor(fullName: string): MessageDescriptor {
    const d = this.pd[fullName] as { format?: string; type?: MessageDescriptor } | undefined;
    if (!d?.type || d.format !== "Protocol Buffer 3 DescriptorProto") throw new Error(`no message type ${fullName} in the loaded protos`);
    return d.type;
  }

  /** The full name of a type referenced as `typeName` from within `scope` (protobuf's scoping rules). */
  resolve(scope: string, typeName: string): string {
    if (typeName.startsWith(".")) return typeName.slice(1);
    const parts = scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), typeName].join(".");
      if (this.pd[candidate]) return candidate;
    }
    throw new Error(`cannot resolve type ${typeName} from ${scope}`);
  }

  /**
   * The full name of a method's request or response type. proto-loader gives only the simple name
   * and the descriptor, so the candidates of that name are told apart by their descriptors.
   */
  typeOf(service: string, desc: MessageDescriptor): string {
    const same = Object.keys(this.pd).filter((k) => (k === desc.name || k.endsWith(`.${desc.name}`)) && (this.pd[k] as { format?: string }).format === "Protocol Buffer 3 DescriptorProto");
    if (same.length === 1) return same[0]!;
    const json = JSON.stringify(desc);
    const equal = same.filter((k) => JSON.stringify((this.pd[k] as { type: unknown }).type) === json);
    if (equal.length === 1) return equal[0]!;
    return this.resolve(service, desc.name);
  }

  private fieldsOf(fullName: string): FieldInfo[] {
    let list = this.fields.get(fullName);
    if (list) return list;
    const desc = this.descriptor(fullName);
    list = desc.field.map((f) => {
      const info: FieldInfo = { name: f.name, json: jsonName(f.name), repeated: f.label === "LABEL_REPEATED" };
      if (f.type !== "TYPE_MESSAGE") return info;
      const entry = f.label === "LABEL_REPEATED" ? desc.nestedType?.find((n) => n.name === f.typeName && n.options?.mapEntry) : undefined;
      if (entry) {
        // map<K, V>: the entry type exists only in this descriptor.
        const value = entry.field.find((x) => x.name === "value")!;
        info.message = `${fullName}.${entry.name}`;
        info.mapValue = value.type === "TYPE_MESSAGE" ? this.resolve(fullName, value.typeName) : "";
      } else info.message = this.resolve(fullName, f.typeName);
      return info;
    });
    this.fields.set(fullName, list);
    return list;
  }

  /** A decoded message (proto-loader object) as protojson would show it. */
  toJson(fullName: string, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (fullName === "google.protobuf.Timestamp") return timestampToJson(value as never);
    if (fullName === "google.protobuf.Duration") return durationToJson(value as never);
    if (WRAPPERS.has(fullName)) return (value as { value: unknown }).value;
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of this.fieldsOf(fullName)) {
      // Unset oneof members are absent, everything else is there (proto-loader's `defaults`).
      if (!(f.name in obj)) continue;
      const v = obj[f.name];
      if (f.message === undefined) out[f.json] = v;
      else if (f.mapValue !== undefined) out[f.json] = f.mapValue ? Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, this.toJson(f.mapValue!, x)])) : v;
      else if (f.repeated) out[f.json] = (v as unknown[]).map((x) => this.toJson(f.message!, x));
      else out[f.json] = this.toJson(f.message, v);
    }
    return out;
  }

  /**
   * A script's request object (protojson: JSON names or the .proto's names) as proto-loader takes
   * it. Unknown fields are an error, as they are for k6's protojson.Unmarshal.
   */
  fromJson(fullName: string, value: unknown, where = fullName): unknown {
    if (fullName === "google.protobuf.Timestamp") return timestampFromJson(value);
    if (fullName === "google.protobuf.Duration") return durationFromJson(value);
    if (WRAPPERS.has(fullName)) return { value };
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object for message ${fullName}, got ${JSON.stringify(value)}`);
    const fields = this.fieldsOf(fullName);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const f = fields.find((x) => x.json === key) ?? fields.find((x) => x.name === key);
      if (!f) throw new Error(`${where}: unknown field "${key}" in message ${fullName}`);
      if (v === null || v === undefined) continue;
      const at = `${where}.${f.json}`;
      if (f.message === undefined) out[f.name] = v;
      else if (f.mapValue !== undefined) out[f.name] = f.mapValue ? Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, this.fromJson(f.mapValue!, x, `${at}[${k}]`)])) : v;
      else if (f.repeated) {
        if (!Array.isArray(v)) throw new Error(`${at}: expected an array`);
        out[f.name] = v.map((x, i) => this.fromJson(f.message!, x, `${at}[${i}]`));
      } else out[f.name] = this.fromJson(f.message, v, at);
    }
    return out;
  }
}
