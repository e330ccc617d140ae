-- The database roles of order-service, least privilege. Run by psql as a superuser, connected to the service's
-- database, with -v database=... owner=... owner_password=... app=... app_password=... exporter=...
-- exporter_password=... (init-roles.sh passes them). Idempotent: it creates what is missing and resets the rest.
--   owner     owns the database and everything the migrations create in it; only the migrate job uses it.
--   app       the replicas: read and write the owner's tables, no DDL, nothing else.
--   exporter  postgres-exporter: the statistics views (pg_monitor), no table data.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I', name)
FROM unnest(ARRAY[:'owner', :'app', :'exporter']) AS name
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) \gexec

ALTER ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER ROLE :"exporter" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'exporter_password';
GRANT pg_monitor TO :"exporter";

ALTER DATABASE :"database" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app", :"exporter";
-- Nobody but the owner creates anything in public (the default since PostgreSQL 15, not before).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Whatever the owner's migrations create from now on, the app may use: schemas, and the rows of their tables.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT USAGE ON SCHEMAS TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT USAGE, SELECT ON SEQUENCES TO :"app";

-- And what they created before this script ran (a re-run on an existing database).
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'app')
    || format('; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', nspname, :'app')
    || format('; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', nspname, :'app')
FROM pg_namespace
WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = :'owner') \gexec
