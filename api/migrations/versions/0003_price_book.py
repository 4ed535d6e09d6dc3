"""price book: current prices per (service, amount point), data versions, reference-rate
date and note on quotes, access point on services

Revision ID: 0003_price_book
Revises: 0002
Create Date: 2026-12-01 20:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0003_price_book'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_KEY = ['provider_id', 'corridor_code', 'payin_method', 'payout_method', 'payout_currency', 'speed']
NEW_NAME = 'uq_service_key'
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _replace_service_key(new_cols: list[str], old_cols: list[str], old_name: str | None) -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        with op.batch_alter_table('service', naming_convention=CONVENTION) as batch_op:
            batch_op.drop_constraint(old_name or 'uq_service_provider_id', type_='unique')
            batch_op.create_unique_constraint(NEW_NAME if len(new_cols) > 6 else None, new_cols)
        return
    inspector = sa.inspect(bind)
    for uq in inspector.get_unique_constraints('service'):
        if list(uq['column_names']) == old_cols:
            op.drop_constraint(uq['name'], 'service', type_='unique')
    op.create_unique_constraint(NEW_NAME if len(new_cols) > 6 else None, 'service', new_cols)


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_point', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False, server_default=''))
    _replace_service_key([*OLD_KEY, 'access_point'], OLD_KEY, None)

    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mid_rate_as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    op.create_table('current_price',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('amount_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('corridor_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', api.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corridor_code'], ['corridor.code'], ),
    sa.ForeignKeyConstraint(['quote_id'], ['quote.id'], ),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], ),
    sa.PrimaryKeyConstraint('service_id', 'amount_key')
    )
    op.create_index('ix_current_price_corridor', 'current_price', ['corridor_code', 'tier'], unique=False)
    op.create_table('data_version',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    # Build the price book from the history already stored.
    from sqlmodel import Session

    from api.storage.pricebook import rebuild_current_prices

    with Session(bind=op.get_bind()) as session:
        rebuild_current_prices(session)
        session.flush()


def downgrade() -> None:
    op.drop_table('data_version')
    op.drop_index('ix_current_price_corridor', table_name='current_price')
    op.drop_table('current_price')
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('mid_rate_as_of')
    _replace_service_key(OLD_KEY, [*OLD_KEY, 'access_point'], NEW_NAME)
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('access_point')
