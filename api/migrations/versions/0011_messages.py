"""messages: contacts (encrypted addresses), price alerts, the delivery outbox, the feed

Revision ID: 0011_messages
Revises: 0010_survey
Create Date: 2026-12-07 17:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import api.storage.types


revision = '0011_messages'
down_revision = '0010_survey'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
T = api.storage.types.UTCDateTime
D = api.storage.types.ExactDecimal


def upgrade() -> None:
    op.create_table('msg_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', S(length=10), nullable=False),
        sa.Column('lookup', S(length=64), nullable=False),
        sa.Column('address_enc', sa.LargeBinary(), nullable=False),
        sa.Column('lang', S(length=8), nullable=False),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.Column('created_at', T(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('lookup'),
    )
    op.create_table('msg_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('corridor_code', S(length=5), nullable=False),
        sa.Column('amount', D(length=80), nullable=False),
        sa.Column('send_currency', S(length=3), nullable=False),
        sa.Column('receive_currency', S(length=3), nullable=False),
        sa.Column('threshold', D(length=80), nullable=False),
        sa.Column('created_at', T(timezone=True), nullable=False),
        sa.Column('expires_at', T(timezone=True), nullable=False),
        sa.Column('last_fired_at', T(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['msg_contact.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_msg_alert_contact_id', 'msg_alert', ['contact_id'])
    op.create_index('ix_msg_alert_due', 'msg_alert', ['corridor_code', 'expires_at'])
    op.create_table('msg_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('kind', S(length=12), nullable=False),
        sa.Column('subject', S(), nullable=False),
        sa.Column('body', S(), nullable=False),
        sa.Column('status', S(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', T(timezone=True), nullable=False),
        sa.Column('claimed_by', S(length=96), nullable=True),
        sa.Column('claimed_at', T(timezone=True), nullable=True),
        sa.Column('gateway_ref', S(length=64), nullable=True),
        sa.Column('gateway_status', S(length=64), nullable=True),
        sa.Column('created_at', T(timezone=True), nullable=False),
        sa.Column('sent_at', T(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['msg_contact.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_msg_outbox_contact_id', 'msg_outbox', ['contact_id'])
    op.create_index('ix_msg_outbox_due', 'msg_outbox', ['status', 'next_attempt_at'])
    op.create_table('msg_feed_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('corridor_code', S(length=5), nullable=False),
        sa.Column('at', T(timezone=True), nullable=False),
        sa.Column('provider', S(), nullable=False),
        sa.Column('amount', D(length=80), nullable=False),
        sa.Column('send_currency', S(length=3), nullable=False),
        sa.Column('received', D(length=80), nullable=False),
        sa.Column('receive_currency', S(length=3), nullable=False),
        sa.Column('collected_at', T(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_msg_feed_corridor', 'msg_feed_entry', ['corridor_code', 'at'])


def downgrade() -> None:
    op.drop_table('msg_feed_entry')
    op.drop_table('msg_outbox')
    op.drop_table('msg_alert')
    op.drop_table('msg_contact')
