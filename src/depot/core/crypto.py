"""Encryption at rest for personal data, and keyed hashes to find it again by exact value.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
`settings.FIELD_ENCRYPTION_KEYS` (first key encrypts, all keys decrypt, so keys can be rotated).
A blind index (HMAC-SHA256 of the normalised value under a key derived from the first key) lets
the database find an exact phone number or email without being able to read it.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(("depot-field:" + secret).encode()).digest())


@cache
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k.strip())) for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()])


@cache
def _index_key() -> bytes:
    return hashlib.sha256(("depot-index:" + settings.FIELD_ENCRYPTION_KEYS[0].strip()).encode()).digest()


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured DEPOT_FIELD_KEY") from exc


def blind_index(value: str) -> str:
    return hmac.new(_index_key(), value.encode(), hashlib.sha256).hexdigest()
