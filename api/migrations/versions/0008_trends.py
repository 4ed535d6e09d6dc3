"""trends: third-party quarterly means of RPW service rows (2016-2025); promotions in rollups

Revision ID: 0008_trends
Revises: 0007_answer2
Create Date: 2026-12-07 18:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0008_trends'
down_revision = '0007_answer2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rpwhistorypoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('corridor_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('sending_iso3', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('receiving_iso3', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('basket_usd', sa.Integer(), nullable=False),
    sa.Column('fee_pct', api.storage.types.ExactDecimal(length=80), nullable=False),
    sa.Column('fx_margin_pct', api.storage.types.ExactDecimal(length=80), nullable=False),
    sa.Column('total_cost_pct', api.storage.types.ExactDecimal(length=80), nullable=False),
    sa.Column('providers', sa.Integer(), nullable=False),
    sa.Column('source_file', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('imported_at', api.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('corridor_code', 'period', 'basket_usd')
    )
    with op.batch_alter_table('rpwhistorypoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rpwhistorypoint_corridor_code'), ['corridor_code'], unique=False)
    with op.batch_alter_table('trendrollup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promotional', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Rollup rows stored before this revision: a negative total cost is a promotion.
    op.execute("UPDATE trendrollup SET promotional = true WHERE CAST(total_cost_pct AS REAL) < 0")


def downgrade() -> None:
    with op.batch_alter_table('trendrollup', schema=None) as batch_op:
        batch_op.drop_column('promotional')
    with op.batch_alter_table('rpwhistorypoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rpwhistorypoint_corridor_code'))
    op.drop_table('rpwhistorypoint')
