// Kafka credentials of the benchmarks' own clients and of the services they start: the local broker's
// admin (scripts/infra/infra.sh; the benchmarks create their own topics and consumer groups, which no
// service user may), or KAFKA_SASL_USERNAME with KAFKA_SASL_PASSWORD or .secrets/kafka/<user>.password.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

function sasl() {
  const username = process.env.KAFKA_SASL_USERNAME ?? "admin";
  const password = process.env.KAFKA_SASL_PASSWORD ?? fs.readFileSync(path.join(__dirname, `../../.secrets/kafka/${username}.password`), "utf8").trim();
  return { mechanism: "scram-sha-512", username, password };
}

/** The same as a service's environment (KAFKA_SASL_*). */
function kafkaEnv() {
  const s = sasl();
  return { KAFKA_SASL_MECHANISM: s.mechanism, KAFKA_SASL_USERNAME: s.username, KAFKA_SASL_PASSWORD: s.password };
}

module.exports = { sasl, kafkaEnv };
