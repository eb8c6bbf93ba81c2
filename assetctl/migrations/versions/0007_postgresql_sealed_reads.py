"""PostgreSQL: sealed rows read only through a function that logs each read

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:40:00

Caseworkers lose SELECT on the sealed columns (they keep the key columns, which writes and
erasures need); they read sealed rows through ``assetctl_read_sealed``, a security-definer
function that checks the login's role and writes an access-log line before returning them. So
a read of the sealed data, by assetctl or by hand in psql, is logged by the database itself.
"""

from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UPGRADE = """
REVOKE SELECT ON household_personal, decision_rationale FROM assetctl_caseworker;
GRANT SELECT (household_id) ON household_personal TO assetctl_caseworker;
GRANT SELECT (decision_id) ON decision_rationale TO assetctl_caseworker;

CREATE FUNCTION assetctl_read_sealed(which text, wanted integer[], why text)
    RETURNS TABLE (id integer, sealed text)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    found integer;
    target integer;
BEGIN
    IF NOT pg_has_role(session_user, 'assetctl_caseworker', 'USAGE')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        RAISE EXCEPTION 'permission denied: the login % may not read personal data',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF which = 'household_personal' THEN
        RETURN QUERY SELECT p.household_id, p.sealed FROM household_personal p
            WHERE wanted IS NULL OR p.household_id = ANY (wanted) ORDER BY 1;
        target := CASE WHEN cardinality(wanted) = 1 THEN wanted[1] END;
    ELSIF which = 'decision_rationale' THEN
        RETURN QUERY SELECT r.decision_id, r.sealed FROM decision_rationale r
            WHERE wanted IS NULL OR r.decision_id = ANY (wanted) ORDER BY 1;
        target := CASE WHEN cardinality(wanted) = 1
                       THEN (SELECT d.household_id FROM decision d WHERE d.id = wanted[1]) END;
    ELSE
        RAISE EXCEPTION 'unknown sealed table %', which;
    END IF;
    GET DIAGNOSTICS found = ROW_COUNT;
    INSERT INTO access_log (at, actor, role, action, household_id, fields, purpose)
    VALUES (now(), session_user, 'database', 'db read',
            (SELECT h.id FROM household h WHERE h.id = target), to_json(ARRAY[which]),
            left(coalesce(why, '') || ' (' || found || ' sealed rows)', 200));
END $$;
REVOKE ALL ON FUNCTION assetctl_read_sealed(text, integer[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION assetctl_read_sealed(text, integer[], text) TO assetctl_caseworker;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(UPGRADE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION assetctl_read_sealed(text, integer[], text);"
        "GRANT SELECT ON household_personal, decision_rationale TO assetctl_caseworker;"
    )
