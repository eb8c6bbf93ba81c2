"""PostgreSQL roles: technician, caseworker, admin; personal tables closed to technicians; an
access log the database writes and nobody rewrites

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:10:00

On PostgreSQL each person connects with their own login; the group roles below carry what
each role may touch, so that the barrier holds even for someone typing SQL in psql:

- ``assetctl_technician``: every table but the sealed personal ones (household_personal,
  decision_rationale) and the access log; staff and the programme key read-only.
- ``assetctl_caseworker`` (a technician too): the sealed personal tables, the access log
  (append and read), the programme key (made once).
- ``assetctl_admin`` (a caseworker too): the staff list.

Nobody but the tables' owner may change or delete access-log rows; a trigger stamps each new
row with the authenticated login (``session_user``) and the server's clock, and triggers on
the personal tables log every write there, whoever makes it. The group roles are created if
missing (the cluster's roles are shared by its databases). SQLite has no roles: nothing here.
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TECHNICIAN, CASEWORKER, ADMIN = "assetctl_technician", "assetctl_caseworker", "assetctl_admin"
PERSONAL_TABLES = ("household_personal", "decision_rationale")

UPGRADE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{TECHNICIAN}') THEN
        CREATE ROLE {TECHNICIAN} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CASEWORKER}') THEN
        CREATE ROLE {CASEWORKER} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ADMIN}') THEN
        CREATE ROLE {ADMIN} NOLOGIN;
    END IF;
END $$;
GRANT {TECHNICIAN} TO {CASEWORKER};
GRANT {CASEWORKER} TO {ADMIN};

DO $$
DECLARE
    here text := quote_ident(current_schema());
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %s TO {TECHNICIAN}', here);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s
                    TO {TECHNICIAN}', here);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %s
                    TO {TECHNICIAN}', here);
    -- tables added by later migrations are a technician's unless they say otherwise
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %s
                    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {TECHNICIAN}', here);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %s
                    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {TECHNICIAN}', here);
END $$;

REVOKE ALL ON household_personal, decision_rationale FROM {TECHNICIAN};
GRANT SELECT, INSERT, UPDATE, DELETE ON household_personal, decision_rationale TO {CASEWORKER};
REVOKE ALL ON access_log FROM {TECHNICIAN};
GRANT SELECT, INSERT ON access_log TO {CASEWORKER};
REVOKE INSERT, UPDATE, DELETE ON staff, programme_key FROM {TECHNICIAN};
GRANT INSERT ON programme_key TO {CASEWORKER};
GRANT INSERT, UPDATE, DELETE ON staff TO {ADMIN};

CREATE FUNCTION assetctl_stamp_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.actor := session_user;
    NEW.at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER access_log_stamp BEFORE INSERT ON access_log
    FOR EACH ROW EXECUTE FUNCTION assetctl_stamp_access();

CREATE FUNCTION assetctl_log_personal_write() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    target integer;
    row_data jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
    IF TG_TABLE_NAME = 'household_personal' THEN
        target := (row_data ->> 'household_id')::integer;
    ELSE
        SELECT household_id INTO target FROM decision
            WHERE id = (row_data ->> 'decision_id')::integer;
    END IF;
    INSERT INTO access_log (at, actor, role, action, household_id, fields, purpose)
    VALUES (now(), session_user, 'database', 'db ' || lower(TG_OP),
            CASE WHEN EXISTS (SELECT FROM household WHERE id = target) THEN target END,
            to_json(ARRAY[TG_TABLE_NAME]), 'written by the database');
    RETURN NULL;
END $$;
CREATE TRIGGER household_personal_logged AFTER INSERT OR UPDATE OR DELETE ON household_personal
    FOR EACH ROW EXECUTE FUNCTION assetctl_log_personal_write();
CREATE TRIGGER decision_rationale_logged AFTER INSERT OR UPDATE OR DELETE ON decision_rationale
    FOR EACH ROW EXECUTE FUNCTION assetctl_log_personal_write();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(UPGRADE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP TRIGGER household_personal_logged ON household_personal;"
        "DROP TRIGGER decision_rationale_logged ON decision_rationale;"
        "DROP TRIGGER access_log_stamp ON access_log;"
        "DROP FUNCTION assetctl_log_personal_write(); DROP FUNCTION assetctl_stamp_access();"
    )
