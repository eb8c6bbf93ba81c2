"""households' last contact: the retention of personal data runs from it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:30:00

``household.last_contact_at`` and ``household.last_contact`` (households.contacts). Existing
households get the latest of what the database already holds of their contacts: the form's
last update, the committee's decisions, the contract events other than an allocation, the
payments recorded and the trainings attended.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import assetctl.models.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# (kind, the latest moment of that kind for household.id): all timestamps of the same type
SOURCES = (
    ("decision", "SELECT max(d.decided_at) FROM decision d WHERE d.household_id = household.id"),
    ("contract", "SELECT max(e.at) FROM contract_event e JOIN contract c ON c.id = e.contract_id"
                 " WHERE c.household_id = household.id AND e.action <> 'allocated'"),
    ("payment", "SELECT max(p.recorded_at) FROM payment p JOIN contract c ON c.id = p.contract_id"
                " WHERE c.household_id = household.id"),
    ("training", "SELECT max(t.updated_at) FROM training_attendance t"
                 " WHERE t.household_id = household.id AND t.status = 'attended'"),
)


def upgrade() -> None:
    # added in place (no table copy, which SQLite's foreign keys would refuse), NOT NULL with a
    # placeholder default that the backfill below replaces on every row
    op.add_column('household', sa.Column(
        'last_contact_at', assetctl.models.types.UTCDateTime(timezone=True), nullable=False,
        server_default='1970-01-01 00:00:00'))
    op.add_column('household', sa.Column(
        'last_contact', sa.String(length=16), nullable=False, server_default='form'))
    op.execute("UPDATE household SET last_contact_at = updated_at, last_contact = 'form'")
    for kind, latest in SOURCES:
        op.execute(
            f"UPDATE household SET last_contact = '{kind}', last_contact_at = ({latest}) "
            f"WHERE ({latest}) > last_contact_at"
        )
    op.create_index('ix_household_last_contact_at', 'household', ['last_contact_at'])


def downgrade() -> None:
    op.drop_index('ix_household_last_contact_at', table_name='household')
    op.drop_column('household', 'last_contact')
    op.drop_column('household', 'last_contact_at')
