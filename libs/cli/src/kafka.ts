import type { SASLOptions } from "kafkajs";
import { checkKafkaClient, fields, kafkaClient, loadConfig, z } from "@kuayu/config";

/**
 * TLS and SASL of the CLI's Kafka clients, from the same variables as the services'
 * (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD(_FILE), KAFKA_TLS, KAFKA_TLS_*_FILE):
 * an operator runs it as the deployment's `operator` user (docs/operations.md, "Kafka identities and ACLs").
 */
export function kafkaSecurity(env: NodeJS.ProcessEnv = process.env) {
  const { ssl, sasl } = kafkaClient(loadConfig(z.object(fields.kafkaClient).superRefine(checkKafkaClient), env));
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl: sasl as SASLOptions } : {}) };
}
