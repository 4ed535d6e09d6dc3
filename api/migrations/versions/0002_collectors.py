"""collectors: delivery estimates on quotes, duplicate count and worker on collector runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_min_s', api.storage.types.ExactDecimal(length=80), nullable=True))
        batch_op.add_column(sa.Column('delivery_max_s', api.storage.types.ExactDecimal(length=80), nullable=True))

    with op.batch_alter_table('collectorrun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_duplicate', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=True))
        batch_op.create_index('ix_collectorrun_source_started', ['source', 'started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('collectorrun', schema=None) as batch_op:
        batch_op.drop_index('ix_collectorrun_source_started')
        batch_op.drop_column('worker')
        batch_op.drop_column('rows_duplicate')

    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_column('delivery_max_s')
        batch_op.drop_column('delivery_min_s')
