"""Personal data at rest: addresses encrypted with a key derived from the secret key
(Fernet: AES-128-CBC + HMAC-SHA256), found again by a keyed hash, and signed tokens for the
links in emails. Changing REMIT_SECRET_KEY makes stored addresses unreadable (by design)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.settings import get_settings


def _derive(purpose: bytes, secret: str | None = None) -> bytes:
    key = (secret if secret is not None else get_settings().secret_key).encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"silkroutes-remit", info=purpose
    ).derive(key)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"messages-encryption")))


def encrypt(value: str) -> bytes:
    return _fernet().encrypt(value.encode())


def decrypt(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken:
        raise ValueError("stored address cannot be read with this secret key") from None


def lookup_hash(channel: str, address: str) -> str:
    """The keyed hash a contact is found by. SMS and WhatsApp share one (same number)."""
    kind = "email" if channel == "email" else "phone"
    return hmac.new(
        _derive(b"messages-lookup"), f"{kind}:{address}".encode(), hashlib.sha256
    ).hexdigest()


def sign(purpose: str, value: str) -> str:
    """`value.signature` for a link (confirm, unsubscribe)."""
    mac = hmac.new(_derive(b"messages-links"), f"{purpose}:{value}".encode(), hashlib.sha256)
    return f"{value}.{base64.urlsafe_b64encode(mac.digest()[:18]).decode()}"


def unsign(purpose: str, token: str) -> str | None:
    value, _, _sig = token.rpartition(".")
    if not value or not hmac.compare_digest(sign(purpose, value), token):
        return None
    return value
