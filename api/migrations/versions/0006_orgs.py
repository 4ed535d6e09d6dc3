"""orgs: organisations that embed the widget, and their per-day view counts

Revision ID: 0006_orgs
Revises: 0003_price_book
Create Date: 2026-12-01 20:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0006_orgs'
down_revision = '0003_price_book'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('origins', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('corridors', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''),
    sa.Column('default_from', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('default_to', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('default_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('count_views', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column('created_at', api.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_slug'), ['slug'], unique=True)

    op.create_table('widgetviewday',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'day')
    )


def downgrade() -> None:
    op.drop_table('widgetviewday')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_slug'))
    op.drop_table('organisation')
