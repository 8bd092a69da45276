import type { Connection } from "mongoose";
import type { Logger } from "@kuayu/logger";
import { gridFsFileStore, type FileStore } from "@kuayu/mongo";

/**
 * Material bytes of intake: GridFS bucket `material_files` in intake's own database (files a crash
 * left unreferenced by their filing are removed by the store's sweep).
 */
export const gridFsMaterialStore = (conn: Connection, log: Logger): FileStore => gridFsFileStore(conn, "material_files", log);
