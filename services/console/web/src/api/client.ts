import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { JurisdictionDecisionService } from "@gen/kuayu/decision/v1/decision_pb";
import { DirectoryService } from "@gen/kuayu/directory/v1/directory_pb";
import { FilingIntakeService } from "@gen/kuayu/intake/v1/intake_pb";
import { NotificationService } from "@gen/kuayu/notification/v1/notification_pb";
import { SupervisionService } from "@gen/kuayu/supervision/v1/supervision_pb";
import { loginUrl } from "./http";

// The console's backend forwards these calls to the services with the signed-in user's token
// (Connect protocol over the same origin; the session is an HttpOnly cookie).
/** The session ended (expired, or signed out in another tab): sign in again and come back here. */
const signInAgain: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.Unauthenticated) window.location.assign(loginUrl(window.location.pathname + window.location.search));
    throw err;
  }
};

const transport = createConnectTransport({ baseUrl: "/api", useBinaryFormat: false, interceptors: [signInAgain] });

export const intake = createClient(FilingIntakeService, transport);
export const decision = createClient(JurisdictionDecisionService, transport);
export const directory = createClient(DirectoryService, transport);
export const notification = createClient(NotificationService, transport);
export const supervision = createClient(SupervisionService, transport);
