"""apikeys: scopes and expiry; keys are stored as HMAC(secret key) hashes

Keys stored before this revision are plain SHA-256 hashes, which the keyed hash cannot
check: they are revoked here and must be created again (`remit admin create-key`).

Revision ID: 0005_apikeys
Revises: 0004_rollups
Create Date: 2026-12-01 20:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0005_apikeys'
down_revision = '0004_rollups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default='read'))
        batch_op.add_column(sa.Column('expires_at', api.storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hash_scheme', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False, server_default='sha256'))
    # Older rows hold unkeyed SHA-256 hashes: they can no longer be checked, so revoke them.
    op.execute("UPDATE apikey SET revoked = true WHERE hash_scheme = 'sha256'")


def downgrade() -> None:
    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.drop_column('hash_scheme')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('scopes')
