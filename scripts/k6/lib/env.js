/* global __ENV, open */
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
// HTTPS with the development certificates (`make up`): k6run trusts the CA with NODE_EXTRA_CA_CERTS,
// k6 with SSL_CERT_FILE (both =.secrets/tls/ca.pem).
export const SUPERVISION_HTTP = env("SUPERVISION_HTTP", "https://127.0.0.1:8085");

/*
 * How the scripts connect to gRPC: mutual TLS with TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE (PEM
 * files, e.g. .secrets/tls/ca.pem, client.pem and client-key.pem for `make up`), read here in the
 * init context; plaintext when none is set (services started without TLS_*).
 */
const TLS_FILES = ["TLS_CA_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE"].map((n) => env(n, ""));
if (TLS_FILES.some(Boolean) && !TLS_FILES.every(Boolean)) throw new Error("set TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE together (or none: plaintext)");
export const GRPC_CONNECT = TLS_FILES[0] ? { tls: { cacerts: open(TLS_FILES[0]), cert: open(TLS_FILES[1]), key: open(TLS_FILES[2]) } } : { plaintext: true };

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
