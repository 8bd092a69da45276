-- Indexes FerretDB 1.24's PostgreSQL backend can actually use, and rows kept in their table. Applied by scripts/infra/infra.sh to
-- the `ferretdb` database on every `up` (idempotent). See docs/platform.md "Which filters an index serves".
--
-- Why: FerretDB pushes an equality filter {f: v} down to PostgreSQL as
--     _jsonb -> 'f' @> 'v'
-- (containment, so that {f: v} also matches arrays holding v), but it indexes collections — including
-- the unique _id index — with btree indexes on (_jsonb -> 'f'), and btree cannot serve @>. So every
-- find, update and delete read the whole table, even findOne({_id}), and a drill slowed down as its
-- collections grew. A GIN index on the same expression serves @>. The field name reaches PostgreSQL as
-- a bind parameter, so the planner can only match the index when it plans with the actual values:
-- hence plan_cache_mode = force_custom_plan for this database. fastupdate is off because a GIN
-- pending list is read in full by every query until VACUUM cleans it (3.5 ms per findOne after a
-- burst of inserts, against 0.05 ms).
--
-- What: an event trigger gives every FerretDB table (a table with a _jsonb column) a GIN index on
-- (_jsonb -> '_id') when it is created, and, for every btree index FerretDB creates for a collection
-- index, a GIN index on its first key when that key is a top-level field (FerretDB does not push
-- down dotted paths by default). Existing tables are brought up to date below. The GIN indexes are
-- invisible to MongoDB clients (FerretDB lists indexes from its own metadata) and named *_kygin so
-- they never collide with FerretDB's names.
--
-- The same trigger keeps a FerretDB table's rows in the table up to a page (toast_tuple_target =
-- 8160 bytes; PostgreSQL's default is 2 KB). A versioned head and its version rows are 5–8 KB of
-- JSON, mostly one base64 body that PostgreSQL cannot compress: at 2 KB each write was compressed in
-- vain, cut into four TOAST rows with their index entries, and each read put them together again.
-- Measured on 2026-12-06 (docs/platform.md "Keep a head in its row"): 10 % less of the store's CPU a
-- change (a version row, a head replacement and a read).

SET client_min_messages = warning;

ALTER DATABASE ferretdb SET plan_cache_mode = force_custom_plan;

CREATE OR REPLACE FUNCTION public.kuayu_gin_index(tbl regclass, field text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rel pg_class%ROWTYPE;
BEGIN
  SELECT * INTO rel FROM pg_class WHERE oid = tbl;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L)) WITH (fastupdate = off)',
                 left(rel.relname, 30) || '_' || left(md5(rel.relname || '.' || field), 10) || '_kygin', tbl, field);
END $$;

-- Rows up to a page stay in the table, uncompressed (see the top).
CREATE OR REPLACE FUNCTION public.kuayu_inline_rows(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = tbl AND 'toast_tuple_target=8160' = ANY (coalesce(reloptions, '{}'))) THEN
    EXECUTE format('ALTER TABLE %s SET (toast_tuple_target = 8160)', tbl);
  END IF;
END $$;

-- The collection field a FerretDB btree index's first key is on, or NULL when it is not a top-level
-- field of a table with a _jsonb column.
CREATE OR REPLACE FUNCTION public.kuayu_first_key_field(idx oid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT replace(m[1], '''''', '''')
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attname = '_jsonb' AND NOT a.attisdropped,
  LATERAL regexp_match(pg_get_indexdef(i.indexrelid, 1, true),
                       '^\(?_jsonb -> ''((?:[^'']|'''')+)''::text\)?$') AS m
  WHERE i.indexrelid = idx AND m IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION public.kuayu_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  cmd record;
  field text;
BEGIN
  FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF cmd.command_tag = 'CREATE TABLE' AND cmd.object_type = 'table' THEN
      IF EXISTS (SELECT 1 FROM pg_attribute
                 WHERE attrelid = cmd.objid AND attname = '_jsonb' AND NOT attisdropped) THEN
        PERFORM public.kuayu_gin_index(cmd.objid, '_id');
        PERFORM public.kuayu_inline_rows(cmd.objid);
      END IF;
    ELSIF cmd.command_tag = 'CREATE INDEX' AND cmd.object_type = 'index' THEN
      field := public.kuayu_first_key_field(cmd.objid);
      IF field IS NOT NULL AND field <> '_id' THEN
        PERFORM public.kuayu_gin_index((SELECT indrelid FROM pg_index WHERE indexrelid = cmd.objid), field);
      END IF;
    END IF;
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS kuayu_pushdown_indexes;
CREATE EVENT TRIGGER kuayu_pushdown_indexes ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'CREATE INDEX')
  EXECUTE FUNCTION public.kuayu_on_ddl();

-- Tables and indexes created before the trigger existed.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT a.attrelid AS tbl FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE a.attname = '_jsonb' AND NOT a.attisdropped AND c.relkind = 'r'
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    PERFORM public.kuayu_gin_index(r.tbl, '_id');
    PERFORM public.kuayu_inline_rows(r.tbl);
  END LOOP;
  FOR r IN SELECT i.indrelid AS tbl, public.kuayu_first_key_field(i.indexrelid) AS field FROM pg_index i LOOP
    IF r.field IS NOT NULL AND r.field <> '_id' THEN
      PERFORM public.kuayu_gin_index(r.tbl, r.field);
    END IF;
  END LOOP;
END $$;
