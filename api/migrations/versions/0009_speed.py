"""speed: PostgreSQL notifies listeners when a data version changes

A statement-level trigger on `data_version` sends `NOTIFY remit_data_version` in the
transaction that bumps a version (delivered when it commits), so a server knows that a
corridor's comparison changed without reading the table on every request
(`api/storage/versionwatch.py`). SQLite needs nothing: `PRAGMA data_version` tells.

Revision ID: 0009_speed
Revises: 0008_trends
Create Date: 2026-12-07 17:10:00.000000
"""
from alembic import op

from api.storage.versionwatch import NOTIFY_SQL


revision = '0009_speed'
down_revision = '0008_trends'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in NOTIFY_SQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TRIGGER IF EXISTS data_version_notify ON data_version')
    op.execute('DROP FUNCTION IF EXISTS remit_data_version_notify()')
