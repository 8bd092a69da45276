/* global __ENV */
// Settings shared by the Kuayu k6 scripts. Everything comes from __ENV (`k6 run -e KEY=VALUE` or
// the environment); addresses default to the ports `make up` uses.

/** __ENV[name], or the fallback when it is unset or empty. */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === "" ? fallback : v;
}

/** __ENV[name]; without it the script stops in the init context with a hint how to get it. */
export function required(name, how) {
  const v = env(name, "");
  if (!v) throw new Error(`set ${name} (k6 run -e ${name}=…): ${how}`);
  return v;
}

/** Directory of the .proto files, relative to the script (scripts/k6 → proto/). */
export const PROTO_DIR = env("PROTO_DIR", "../../proto");

export const INTAKE_ADDR = env("INTAKE_ADDR", "127.0.0.1:50051");
export const DECISION_ADDR = env("DECISION_ADDR", "127.0.0.1:50053");
export const SUPERVISION_ADDR = env("SUPERVISION_ADDR", "127.0.0.1:50055");
export const SUPERVISION_HTTP = env("SUPERVISION_HTTP", "http://127.0.0.1:8085");

/** The collaborating court (a people's tribunal in Guangdong) and the jurisdiction court (Beijing). */
export const WINDOW_COURT = env("WINDOW_COURT", "t-440103001");
export const JURISDICTION_COURT = env("JURISDICTION_COURT", "c-110105");

/** gRPC metadata carrying a bearer token. */
export function bearer(token) {
  return { authorization: `Bearer ${token}` };
}

/** A short description of a failed gRPC response, for fail() messages (status and message only). */
export function grpcError(res) {
  return `status ${res.status}${res.error ? `: ${res.error.message}` : ""}`;
}
