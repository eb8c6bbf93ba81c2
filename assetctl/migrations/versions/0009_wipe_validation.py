"""wipe runs' validation: who accepted the wipe's result, and when

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 15:00:00

NIST SP 800-88 Rev. 2 separates the verification (the technique ran: the bench records it per
disk) from the validation (the result is good enough, accepted by a person):
``wipe_run.validated_by`` and ``wipe_run.validated_at`` (`assetctl wipe validate`). Wipes
recorded before stay without one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import assetctl.models.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('wipe_run', sa.Column('validated_by', sa.String(length=64), nullable=True))
    op.add_column('wipe_run', sa.Column(
        'validated_at', assetctl.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('wipe_run', 'validated_at')
    op.drop_column('wipe_run', 'validated_by')
