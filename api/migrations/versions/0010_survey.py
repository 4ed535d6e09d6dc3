"""survey: a source's own number for services that look alike (service.variant), and the
survey quarter of a survey price known only by its quarter (quote.survey_period)

World Bank RPW service rows derived to percentages carry no payment instrument or access
point, so two distinct surveyed services of one firm can share every other field: the
variant keeps them apart (empty for every other source).

Revision ID: 0010_survey
Revises: 0009_speed
Create Date: 2026-12-07 17:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010_survey'
down_revision = '0009_speed'
branch_labels = None
depends_on = None

OLD_KEY = ['provider_id', 'corridor_code', 'payin_method', 'payout_method', 'payout_currency', 'speed', 'access_point']
NAME = 'uq_service_key'
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _replace_service_key(new_cols: list[str], old_cols: list[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        with op.batch_alter_table('service', naming_convention=CONVENTION) as batch_op:
            batch_op.drop_constraint(NAME, type_='unique')
            batch_op.create_unique_constraint(NAME, new_cols)
        return
    inspector = sa.inspect(bind)
    for uq in inspector.get_unique_constraints('service'):
        if list(uq['column_names']) == old_cols:
            op.drop_constraint(uq['name'], 'service', type_='unique')
    op.create_unique_constraint(NAME, 'service', new_cols)


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False, server_default=''))
    _replace_service_key([*OLD_KEY, 'variant'], OLD_KEY)
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('survey_period', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_column('survey_period')
    op.execute("DELETE FROM current_price WHERE service_id IN (SELECT id FROM service WHERE variant <> '')")
    op.execute("DELETE FROM quote WHERE service_id IN (SELECT id FROM service WHERE variant <> '')")
    op.execute("DELETE FROM service WHERE variant <> ''")
    _replace_service_key(OLD_KEY, [*OLD_KEY, 'variant'])
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('variant')
