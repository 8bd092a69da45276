import { readFileSync } from "node:fs";
import { createVerifier } from "@kuayu/auth";
import { loadDirectory, directoryStats } from "@kuayu/directory";
import { startServer } from "@kuayu/grpc";
import { runShutdown } from "@kuayu/lifecycle";
import type { Logger } from "@kuayu/logger";
import type { Config } from "./config.js";
import { directoryService } from "./adapters/grpc/directory-service.js";

export interface App {
  grpcPort: number;
  stop(): Promise<boolean>;
}

/** Loads the national directory into memory and serves it. Tests call this with GRPC_PORT=0. */
export async function startApp(config: Readonly<Config>, log: Logger): Promise<App> {
  const publicKey = config.JWT_PUBLIC_KEY ?? readFileSync(config.JWT_PUBLIC_KEY_FILE!, "utf8");
  const verifier = await createVerifier(publicKey);
  const dir = loadDirectory(config.DIRECTORY_FILE ? { file: config.DIRECTORY_FILE } : {});
  const stats = directoryStats(dir);
  const server = await startServer({ services: [directoryService(dir)], verifier, log, host: config.GRPC_HOST, port: config.GRPC_PORT });
  log.info({ grpcPort: server.port, courts: stats.total }, "routing started");
  return {
    grpcPort: server.port,
    stop: () =>
      runShutdown(
        [
          { name: "gRPC NOT_SERVING", run: () => server.notServing() },
          { name: "drain gRPC", run: () => server.drain(Math.min(10_000, config.SHUTDOWN_GRACE_MS / 2)) },
        ],
        log,
        config.SHUTDOWN_GRACE_MS,
      ),
  };
}
