"""scoped dedup, merge reasons, series, postponed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:22:42.704716

Items keep the link their source published (``url``) and get the canonical form used for
matching (``canonical_url``, filled from ``url``, which held it until now). Events get
the new dedup key (title and start); other items keep their old key until their next
update, and meanwhile are matched by GUID and URL only.
"""

from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merge_reason', sa.String(length=2500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canonical_url', sa.String(length=2000), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postponed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('series', sa.String(length=2000), nullable=False, server_default=''))
        batch_op.drop_index(batch_op.f('ix_items_url'))
        batch_op.create_index(batch_op.f('ix_items_canonical_url'), ['canonical_url'], unique=False)

    items = sa.table('items', sa.column('id', sa.Integer), sa.column('url', sa.String),
                     sa.column('canonical_url', sa.String), sa.column('dedup_key', sa.String),
                     sa.column('starts_at', sa.DateTime(timezone=True)))
    connection = op.get_bind()
    connection.execute(sa.update(items).values(canonical_url=items.c.url))
    events = connection.execute(
        sa.select(items.c.id, items.c.dedup_key, items.c.starts_at).where(items.c.starts_at.is_not(None))
    ).all()
    for item_id, old_key, starts_at in events:
        # Old keys are "local day|title words"; SQLite gives naive UTC times back.
        if starts_at.tzinfo is not None:
            starts_at = starts_at.astimezone(timezone.utc)
        start = starts_at.strftime('%Y-%m-%dT%H:%M')
        title = old_key.split('|', 1)[-1]
        connection.execute(sa.update(items).where(items.c.id == item_id)
                           .values(dedup_key=f'debut|{start}|{title}'[:700]))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_canonical_url'))
        batch_op.create_index(batch_op.f('ix_items_url'), ['url'], unique=False)
        batch_op.drop_column('series')
        batch_op.drop_column('postponed')
        batch_op.drop_column('canonical_url')

    with op.batch_alter_table('item_sources', schema=None) as batch_op:
        batch_op.drop_column('snapshot')
        batch_op.drop_column('merge_reason')
