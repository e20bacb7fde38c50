"""statistics: edition figures, audience figures, link clicks

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 13:32:21.336975
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import newsletter.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audience_figures',
    sa.Column('list_key', sa.String(length=50), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('left', sa.Integer(), nullable=False),
    sa.Column('bounced', sa.Integer(), nullable=False),
    sa.Column('profiles', sa.JSON(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=True),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('counted_at', newsletter.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_key', 'month')
    )
    op.create_table('edition_figures',
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('deferred_sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('html', sa.Integer(), nullable=False),
    sa.Column('text', sa.Integer(), nullable=False),
    sa.Column('first_sent_at', newsletter.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', newsletter.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hard', sa.Integer(), nullable=False),
    sa.Column('soft', sa.Integer(), nullable=False),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('unsubscribes', sa.JSON(), nullable=False),
    sa.Column('settled', sa.Boolean(), nullable=False),
    sa.Column('computed_at', newsletter.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('edition_id')
    )
    op.create_table('link_clicks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('edition_id', 'link_id', 'day', name='uq_link_clicks_day')
    )


def downgrade() -> None:
    op.drop_table('link_clicks')
    op.drop_table('edition_figures')
    op.drop_table('audience_figures')
