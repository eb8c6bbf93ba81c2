"""personal data sealed apart: programme key, household_personal, decision_rationale

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:30:00

Personal data leaves the household, household_child and decision tables for tables of sealed
values; device passwords are kept sealed. Values cannot be sealed here (the migration has no
key), so a database holding personal data in clear is refused with what to do.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import assetctl.models.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_CLEAR = (
    "SELECT count(*) FROM household WHERE purged_at IS NULL AND (child_name IS NOT NULL OR "
    "representatives IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL OR address IS NOT "
    "NULL OR landlord IS NOT NULL OR hosted_by IS NOT NULL OR training_why IS NOT NULL OR "
    "notes IS NOT NULL)",
    "SELECT count(*) FROM household_child WHERE first_name IS NOT NULL OR birth_date IS NOT NULL",
    "SELECT count(*) FROM decision WHERE rationale IS NOT NULL",
    "SELECT count(*) FROM device_credential",
)


def upgrade() -> None:
    bind = op.get_bind()
    if any(bind.execute(sa.text(query)).scalar() for query in _CLEAR):
        from assetctl.errors import DatabaseError

        raise DatabaseError(
            "this database holds families' personal data in clear (made by assetctl before "
            "sealing): export each household (`household export`) with the previous assetctl, "
            "purge them, then upgrade; nothing was changed"
        )
    op.create_table('programme_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=19), nullable=False),
    sa.Column('created_at', assetctl.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_key'))
    )
    op.create_table('household_personal',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.Column('key_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=19), nullable=False),
    sa.Column('updated_at', assetctl.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_personal_household_id_household'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_personal'))
    )
    op.create_table('decision_rationale',
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_decision_rationale_decision_id_decision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_decision_rationale'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('children_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute(
        "UPDATE household SET children_count = (SELECT count(*) FROM household_child "
        "WHERE household_child.household_id = household.id)"
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.alter_column('children_count', server_default=None)
        for name in ('child_name', 'representatives', 'phone', 'email', 'address', 'landlord',
                     'hosted_by', 'training_why', 'notes'):
            batch_op.drop_column(name)
    with op.batch_alter_table('household_child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_child_household_id'))
    op.drop_table('household_child')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('rationale')
    with op.batch_alter_table('device_credential', schema=None) as batch_op:
        batch_op.drop_column('secret')
        batch_op.add_column(sa.Column('sealed_secret', sa.Text(), nullable=False))


def downgrade() -> None:
    raise NotImplementedError("personal data cannot be unsealed by a migration")
