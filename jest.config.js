// Two projects: fast unit tests of pure logic, and integration tests (*.int.test.ts) that talk
// to the real Kafka broker and MongoDB-wire store started by scripts/infra/infra.sh.
const shared = {
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2023" } }] },
  moduleNameMapper: {
    "^@kuayu/(auth|calendar|config|directory|domain|fieldcrypt|grpc|k6run|kafka|lifecycle|logger|mongo|outbox|proto|seal|telemetry|testkit|topics)$": "<rootDir>/libs/$1/src",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testEnvironment: "node",
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: "unit", testMatch: ["<rootDir>/{libs,services}/*/test/**/*.test.ts"], testPathIgnorePatterns: ["\\.int\\.test\\.ts$"] },
    { ...shared, displayName: "integration", testMatch: ["<rootDir>/{libs,services}/*/test/**/*.int.test.ts"], setupFilesAfterEnv: ["<rootDir>/scripts/jest-integration-setup.js"] },
  ],
};
