import { verifierFromSettings } from "@kuayu/auth";
import { startCalendar, type CalendarWatch } from "@kuayu/calendar";
import { loadDirectory, directoryStats } from "@kuayu/directory";
import { startServer, tlsFromSettings, type RunningServer } from "@kuayu/grpc";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import type { Config } from "./config.js";
import { directoryService } from "./adapters/grpc/directory-service.js";

export interface App {
  grpcPort: number;
  stop(): Promise<boolean>;
}

/** Seams for tests: the clock that dates routes (deadlines are computed from it). */
export interface AppOptions {
  now?: () => Date;
}

/**
 * Loads the national directory into memory and serves it: the directory's queries and the route
 * of a submission (ValidateRoute), which intake asks for when it commits one. Routing has no store
 * and no Kafka, so nothing fails under it once started: `_onFatal` is there for the services' one
 * startApp shape. Tests call this with GRPC_PORT=0.
 */
export async function startApp(config: Readonly<Config>, log: Logger, _onFatal: (err: Error) => void = () => undefined, options: AppOptions = {}): Promise<App> {
  const calendar: CalendarWatch = startCalendar({ file: config.CALENDAR_FILE, pollMs: config.CALENDAR_POLL_MS, log });
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  // A token names a court of the directory, in the province the token says.
  const verifier = await verifierFromSettings(config, { courtProvince: (id) => dir.byId(id)?.province });
  const tls = tlsFromSettings(config);
  const stats = directoryStats(dir);

  let server: RunningServer | undefined;
  try {
    server = await startServer({
      services: [directoryService(dir, options.now)],
      // Routing's calls only read (the directory): the audit trail records none of them.
      verifier,
      log,
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      credentials: tls.server,
      healthPort: config.GRPC_HEALTH_PORT,
      callsPerCourtPerSecond: config.GRPC_CALLS_PER_COURT_PER_SECOND,
      readiness: [],
    });
  } catch (err) {
    await stop();
    throw err;
  }

  function stop() {
    return runShutdown(
      [
        { name: "gRPC NOT_SERVING", run: () => server?.notServing() },
        { name: "drain gRPC", run: () => server?.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        { name: "stop calendar watch", run: () => calendar.stop() },
      ],
      log,
      config.SHUTDOWN_GRACE_MS,
    );
  }
  log.info({ grpcPort: server.port, courts: stats.total }, "routing started");
  return { grpcPort: server.port, stop };
}
