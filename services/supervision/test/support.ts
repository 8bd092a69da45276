import { infra, uniqueName } from "@kuayu/testkit";
import { readConfig } from "../src/config";

/** Supervision's environment for a test on the real broker and store: its own database and group, loopback, no scheduled notices; tokens signed with the key pair of `jwtPublicKey`. */
export const testEnv = (db: string, jwtPublicKey: string, over: Record<string, string> = {}): Record<string, string> => ({
  GRPC_PORT: "0",
  GRPC_HOST: "127.0.0.1",
  HTTP_PORT: "0",
  HTTP_HOST: "127.0.0.1",
  ...infra.kafkaEnv,
  MONGO_URI: infra.mongoUri,
  MONGO_DB: db,
  KAFKA_GROUP_ID: uniqueName("supervision"),
  KAFKA_FROM_BEGINNING: "false",
  JWT_PUBLIC_KEY: jwtPublicKey,
  LOG_LEVEL: "silent",
  NOTICE_TIME: "off",
  ...over,
});

/** The same as parsed settings, for startApp in this process. */
export const testConfig = (db: string, jwtPublicKey: string, over: Record<string, string> = {}) => readConfig(testEnv(db, jwtPublicKey, over));
