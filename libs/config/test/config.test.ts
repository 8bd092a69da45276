import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, checkKafkaClient, fields, kafkaClient, loadConfig, z } from "@kuayu/config";

const schema = z.object({
  GRPC_PORT: fields.port(50051),
  KAFKA_BROKERS: fields.brokers,
  MONGO_URI: fields.mongoUri,
  PROVINCES: fields.provinces,
});

describe("loadConfig", () => {
  it("applies defaults, parses lists and freezes the result", () => {
    const c = loadConfig(schema, { MONGO_URI: "mongodb://127.0.0.1:27017", KAFKA_BROKERS: "a:1, b:2", PROVINCES: "44,11" });
    expect(c).toEqual({ GRPC_PORT: 50051, KAFKA_BROKERS: ["a:1", "b:2"], MONGO_URI: "mongodb://127.0.0.1:27017", PROVINCES: ["44", "11"] });
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadConfig(schema, { MONGO_URI: "mongodb://x" }).PROVINCES).toBe("all");
  });

  it("reports every bad variable at once", () => {
    let err: unknown;
    try {
      loadConfig(schema, { GRPC_PORT: "70000", KAFKA_BROKERS: "nohost", PROVINCES: "4" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toMatch(/GRPC_PORT/);
    expect(problems).toMatch(/KAFKA_BROKERS.*host:port/);
    expect(problems).toMatch(/MONGO_URI/);
    expect(problems).toMatch(/PROVINCES/);
  });

  it("turns the broker security and topic prefix variables into client options", () => {
    const sec = z.object(fields.kafkaClient);
    expect(kafkaClient(loadConfig(sec, {}))).toEqual({ topicPrefix: "", ssl: false });
    const c = loadConfig(sec, { KAFKA_TOPIC_PREFIX: "staging.", KAFKA_TLS: "true", KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "intake", KAFKA_SASL_PASSWORD: "s3cret" });
    expect(kafkaClient(c)).toEqual({ topicPrefix: "staging.", ssl: true, sasl: { mechanism: "scram-sha-512", username: "intake", password: "s3cret" } });
    expect(() => loadConfig(sec, { KAFKA_TLS: "yes", KAFKA_SASL_MECHANISM: "gssapi" })).toThrow(/KAFKA_TLS[\s\S]*KAFKA_SASL_MECHANISM/);
    for (const bad of ["staging", "Staging.", ".", "a b."]) expect(() => loadConfig(sec, { KAFKA_TOPIC_PREFIX: bad })).toThrow(/KAFKA_TOPIC_PREFIX/);
  });

  it("reads the SASL password and the TLS PEM files, and refuses inconsistent settings", () => {
    const dir = mkdtempSync(join(tmpdir(), "kafka-client-"));
    const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const sec = z.object(fields.kafkaClient).superRefine(checkKafkaClient);
    const c = loadConfig(sec, {
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "notification",
      KAFKA_SASL_PASSWORD_FILE: file("password", "from-file\n"),
      KAFKA_TLS: "true",
      KAFKA_TLS_CA_FILE: file("ca.pem", "CA"),
      KAFKA_TLS_CERT_FILE: file("cert.pem", "CERT"),
      KAFKA_TLS_KEY_FILE: file("key.pem", "KEY"),
    });
    expect(kafkaClient(c)).toEqual({ topicPrefix: "", ssl: { ca: ["CA"], cert: "CERT", key: "KEY" }, sasl: { mechanism: "scram-sha-512", username: "notification", password: "from-file" } });
    expect(() => loadConfig(sec, { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "intake" })).toThrow(/KAFKA_SASL_PASSWORD_FILE/);
    expect(() => loadConfig(sec, { KAFKA_TLS_CA_FILE: "/ca.pem" })).toThrow(/needs KAFKA_TLS=true/);
    expect(() => loadConfig(sec, { KAFKA_TLS: "true", KAFKA_TLS_CERT_FILE: "/c.pem" })).toThrow(/both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE/);
    expect(() => kafkaClient({ KAFKA_TOPIC_PREFIX: "", KAFKA_TLS: false, KAFKA_SASL_MECHANISM: "plain" })).toThrow(ConfigError);
  });
});
