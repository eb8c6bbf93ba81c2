"""assets' retirement day and purchase condition: the REEN and AGEC declarations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:40:00

``asset.retired_on``: the day the city's fleet retired one of its own devices (réforme; empty:
the day it was registered). ``asset.purchase_condition``: new or reused, for purchased devices
(empty: new). `assetctl report reuse` reads both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('asset', sa.Column('purchase_condition', sa.String(length=16), nullable=True))
    op.add_column('asset', sa.Column('retired_on', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('asset', 'retired_on')
    op.drop_column('asset', 'purchase_condition')
