import * as grpc from "@grpc/grpc-js";
import { tlsFiles, type TlsFiles, type TlsSettings } from "@kuayu/config";

export interface Credentials {
  /** For startServer: TLS requiring a client certificate issued by the CA, or plaintext. */
  server: grpc.ServerCredentials;
  /** For createClient: verifies the server against the CA and presents the client pair, or plaintext. */
  channel: grpc.ChannelCredentials;
  /** The files read, for other TLS servers and clients (undefined: plaintext). */
  files?: TlsFiles;
}

/** Mutual-TLS credentials from PEM buffers. */
export function tlsCredentials(files: TlsFiles): Credentials {
  return {
    server: grpc.ServerCredentials.createSsl(files.ca, [{ private_key: files.key, cert_chain: files.cert }], true),
    channel: grpc.credentials.createSsl(files.ca, files.key, files.cert),
    files,
  };
}

/**
 * The credentials of TLS_CA_FILE, TLS_CERT_FILE and TLS_KEY_FILE (fields.tls): mutual TLS when all
 * three are set, plaintext when none is. Throws a ConfigError for a partial set or an unreadable file.
 */
export function tlsFromSettings(settings: TlsSettings): Credentials {
  const files = tlsFiles(settings);
  return files ? tlsCredentials(files) : { server: grpc.ServerCredentials.createInsecure(), channel: grpc.credentials.createInsecure() };
}
