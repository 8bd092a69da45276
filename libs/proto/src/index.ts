// Barrel for the generated code under ./gen (written by `make proto`; never edit gen/ by hand).
export * as grpcHealthV1 from "./gen/grpc/health/v1/health_pb.js";
export * as googleRpc from "./gen/google/rpc/status_pb.js";
export * as commonV1 from "./gen/kuayu/common/v1/common_pb.js";
export * as intakeV1 from "./gen/kuayu/intake/v1/intake_pb.js";
export * as directoryV1 from "./gen/kuayu/directory/v1/directory_pb.js";
export * as intakeEventsV1 from "./gen/kuayu/intake/v1/events_pb.js";
export * as routingEventsV1 from "./gen/kuayu/routing/v1/events_pb.js";
export * as decisionEventsV1 from "./gen/kuayu/decision/v1/events_pb.js";
export * as filingEventsV1 from "./gen/kuayu/filing/v1/events_pb.js";
export * as decisionV1 from "./gen/kuayu/decision/v1/decision_pb.js";
export * as notificationV1 from "./gen/kuayu/notification/v1/notification_pb.js";
export * as supervisionV1 from "./gen/kuayu/supervision/v1/supervision_pb.js";
export * as supervisionEventsV1 from "./gen/kuayu/supervision/v1/events_pb.js";
export * as auditV1 from "./gen/kuayu/audit/v1/audit_pb.js";
export { enumFromId, idFromEnum } from "./enums.js";
export { ruleViolations, type RuleViolation } from "./validate.js";
