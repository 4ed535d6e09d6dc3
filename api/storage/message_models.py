"""Tables for answers by message and price alerts (migration 0011_messages).

Personal data lives only in `msg_contact`: the address (phone number or email) encrypted at
rest and a keyed hash to find it (api/storage/personal.py). Every other row points at the
contact and is deleted with it (STOP)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from api.storage.models import money, utc
from api.storage.types import UTCDateTime


class MsgContact(SQLModel, table=True):
    __tablename__ = "msg_contact"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=10)  # sms, whatsapp, email
    lookup: str = Field(unique=True, max_length=64)  # HMAC(channel:address)
    address_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    lang: str = Field(default="en", max_length=8)
    confirmed: bool = False  # email: after the double opt-in link; sms/whatsapp: at once
    created_at: datetime = utc()


class MsgAlert(SQLModel, table=True):
    __tablename__ = "msg_alert"
    __table_args__ = (Index("ix_msg_alert_due", "corridor_code", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="msg_contact.id", index=True, ondelete="CASCADE")
    corridor_code: str = Field(max_length=5)
    amount: Decimal = money()  # what the sender pays, fees included
    send_currency: str = Field(max_length=3)
    receive_currency: str = Field(max_length=3)
    threshold: Decimal = money()  # the family receives at least this
    created_at: datetime = utc()
    expires_at: datetime = utc()
    last_fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class MsgOutbox(SQLModel, table=True):
    __tablename__ = "msg_outbox"
    __table_args__ = (Index("ix_msg_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="msg_contact.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=12)  # alert, confirm
    subject: str = ""
    body: str
    status: str = Field(default="pending", max_length=10)  # pending, sending, sent, failed
    attempts: int = 0
    next_attempt_at: datetime = utc()
    claimed_by: str | None = Field(default=None, max_length=96)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    gateway_ref: str | None = Field(default=None, max_length=64)  # Twilio SID, Message-ID
    gateway_status: str | None = Field(default=None, max_length=64)  # "201 queued", "250"
    created_at: datetime = utc()
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class FeedEntry(SQLModel, table=True):
    """The best live offer of a corridor at its USD 200 basket, each time it changed (the
    Atom feed): no personal data."""

    __tablename__ = "msg_feed_entry"
    __table_args__ = (Index("ix_msg_feed_corridor", "corridor_code", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    corridor_code: str = Field(max_length=5)
    at: datetime = utc()
    provider: str
    amount: Decimal = money()
    send_currency: str = Field(max_length=3)
    received: Decimal = money()
    receive_currency: str = Field(max_length=3)
    collected_at: datetime = utc()
