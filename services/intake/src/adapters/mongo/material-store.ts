import type { Connection } from "mongoose";
import type { Logger } from "@kuayu/logger";
import { gridFsFileStore, type FileStore } from "@kuayu/mongo";

/**
 * Material bytes of intake: GridFS bucket `material_files` in intake's own database, with the
 * `material_files_pending` markers of uploads not yet referenced by their filing.
 */
export const gridFsMaterialStore = (conn: Connection, log: Logger): FileStore => gridFsFileStore(conn, "material_files", log);
