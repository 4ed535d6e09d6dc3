"""trends rollups (per corridor x period x basket x source x service) and the published
World Bank series store (DataBank corridor history); builds the rollups from existing quotes

Revision ID: 0004_rollups
Revises: 0006_orgs
Create Date: 2026-12-01 20:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0004_rollups'
down_revision = '0006_orgs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trendrollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('corridor_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('period_kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('basket_usd', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('service_key', sqlmodel.sql.sqltypes.AutoString(length=72), nullable=False),
    sa.Column('provider_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('provider_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('total_cost_pct', api.storage.types.ExactDecimal(length=80), nullable=False),
    sa.Column('transparent', sa.Boolean(), nullable=False),
    sa.Column('within_5_days', sa.Boolean(), nullable=False),
    sa.Column('accessible', sa.Boolean(), nullable=False),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('observed_at', api.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('input_key', sqlmodel.sql.sqltypes.AutoString(length=72), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('corridor_code', 'period_kind', 'period', 'basket_usd', 'source', 'service_key', name='uq_trendrollup_key')
    )
    with op.batch_alter_table('trendrollup', schema=None) as batch_op:
        batch_op.create_index('ix_trendrollup_read', ['period_kind', 'basket_usd', 'corridor_code', 'period'], unique=False)

    op.create_table('publishedseriespoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('series_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('corridor_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('sending_iso3', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('receiving_iso3', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('basket_usd', sa.Integer(), nullable=False),
    sa.Column('average_pct', api.storage.types.ExactDecimal(length=80), nullable=False),
    sa.Column('source_file', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('imported_at', api.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_code', 'corridor_code', 'period', 'basket_usd')
    )
    with op.batch_alter_table('publishedseriespoint', schema=None) as batch_op:
        batch_op.create_index('ix_publishedseries_corridor', ['corridor_code', 'basket_usd', 'period'], unique=False)

    # Build the rollups from the history already stored (nothing to do on a new database).
    from sqlmodel import Session

    from api.storage.rollups import rebuild_rollups

    session = Session(bind=op.get_bind())
    rebuild_rollups(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('publishedseriespoint', schema=None) as batch_op:
        batch_op.drop_index('ix_publishedseries_corridor')
    op.drop_table('publishedseriespoint')
    with op.batch_alter_table('trendrollup', schema=None) as batch_op:
        batch_op.drop_index('ix_trendrollup_read')
    op.drop_table('trendrollup')
