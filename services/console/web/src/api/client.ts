import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { JurisdictionDecisionService } from "@gen/kuayu/decision/v1/decision_pb";
import { DirectoryService } from "@gen/kuayu/directory/v1/directory_pb";
import { FilingIntakeService } from "@gen/kuayu/intake/v1/intake_pb";
import { NotificationService } from "@gen/kuayu/notification/v1/notification_pb";
import { SupervisionService } from "@gen/kuayu/supervision/v1/supervision_pb";

// The console's backend forwards these calls to the services with the signed-in user's token
// (Connect protocol over the same origin; the session is an HttpOnly cookie).
const transport = createConnectTransport({ baseUrl: "/api", useBinaryFormat: false });

export const intake = createClient(FilingIntakeService, transport);
export const decision = createClient(JurisdictionDecisionService, transport);
export const directory = createClient(DirectoryService, transport);
export const notification = createClient(NotificationService, transport);
export const supervision = createClient(SupervisionService, transport);
