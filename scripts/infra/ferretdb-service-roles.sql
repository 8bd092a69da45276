-- A PostgreSQL role per service for the local store (FerretDB 1.24, PostgreSQL handler), applied by
-- scripts/infra/infra.sh on every `up` (idempotent), as the superuser, to the `ferretdb` database.
-- docs/security.md "Least privilege in the store".
--
-- FerretDB keeps each MongoDB database in the PostgreSQL schema of its name (one table per
-- collection, and the schema's `_ferretdb_database_metadata` table naming them), and connects to
-- PostgreSQL with the credentials the client authenticated with (authMechanism=PLAIN); a client
-- without credentials gets the handler's own user, `ferretdb` (the admin: tests, tools, backups).
-- So a service that logs in as its own role reaches only what PostgreSQL lets that role reach:
--
--   * its own schema (= its database), which it owns: its tables, their indexes, its metadata;
--   * CREATE on the database: FerretDB runs `CREATE SCHEMA IF NOT EXISTS` before it creates a
--     database's first collection, which PostgreSQL checks even when the schema exists — so a
--     service can also create databases of its own, never enter another's (the schemas of every
--     service are made here first, owned by their services, so no one can take a service's name);
--   * USAGE on every FerretDB schema and SELECT on its metadata table (collection and index names,
--     no documents), granted to the group role `kuayu_store_services` by the event trigger below:
--     FerretDB loads the list of databases and collections once per process, with whichever
--     credentials come first, and a role that could not see the others' metadata would leave them
--     out for every later client (their collections would look empty).
--
-- The service roles themselves (LOGIN, password, membership, schema) are made by infra.sh, which
-- knows the passwords; `ferretdb` is made a member of each, so the admin keeps reaching everything.

SET client_min_messages = warning;

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kuayu_store_services') THEN
    CREATE ROLE kuayu_store_services NOLOGIN;
  END IF;
END $$;

-- Nobody but the owner (the superuser) and the roles granted below may create schemas.
REVOKE CREATE ON DATABASE ferretdb FROM PUBLIC;

-- Runs as the role whose CREATE TABLE fired it. A table the admin (`ferretdb`, a member of every
-- service role) creates in a service's schema — a collection made with the admin's URI — is handed
-- to the schema's owner, so the service can use it. A new metadata table is shared (see above).
CREATE OR REPLACE FUNCTION public.kuayu_share_ferretdb_metadata() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  obj record;
  owner text;
BEGIN
  FOR obj IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' LOOP
    SELECT pg_get_userbyid(nspowner) INTO owner FROM pg_namespace WHERE nspname = obj.schema_name;
    IF owner IS NOT NULL AND owner <> current_user AND pg_has_role(current_user, owner, 'MEMBER') THEN
      EXECUTE format('ALTER TABLE %s OWNER TO %I', obj.object_identity, owner);
    END IF;
    IF obj.object_identity LIKE '%._ferretdb_database_metadata' THEN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO kuayu_store_services', obj.schema_name);
      EXECUTE format('GRANT SELECT ON %s TO kuayu_store_services', obj.object_identity);
    END IF;
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS kuayu_share_ferretdb_metadata;
CREATE EVENT TRIGGER kuayu_share_ferretdb_metadata ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION public.kuayu_share_ferretdb_metadata();

-- The metadata of databases made before this file was applied.
DO $$
DECLARE
  s text;
BEGIN
  FOR s IN SELECT table_schema FROM information_schema.tables WHERE table_name = '_ferretdb_database_metadata' LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO kuayu_store_services', s);
    EXECUTE format('GRANT SELECT ON %I._ferretdb_database_metadata TO kuayu_store_services', s);
  END LOOP;
END $$;

-- One service: `SELECT kuayu_service_role('kuayu_intake', '<password>')` — its login role (the
-- MongoDB user name) and its schema (the database name, the same), owned by it with every table in
-- it (a schema the admin made before, e.g. an earlier `make up`, is handed over).
CREATE OR REPLACE FUNCTION public.kuayu_service_role(name text, password text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', name);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', name, password);
  EXECUTE format('GRANT kuayu_store_services TO %I', name);
  EXECUTE format('GRANT CONNECT, CREATE ON DATABASE ferretdb TO %I', name);
  EXECUTE format('GRANT %I TO ferretdb', name);
  EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', name, name);
  EXECUTE format('ALTER SCHEMA %I OWNER TO %I', name, name);
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = name AND tableowner <> name LOOP
    EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', name, t, name);
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION public.kuayu_service_role(text, text) FROM PUBLIC;
