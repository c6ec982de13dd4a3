"""Provider credentials at rest: AES-256-GCM with a random 96-bit nonce per value.

The key comes from `OMNIROUTE_SECRET_KEY` (32 bytes, urlsafe base64) or from `secret.key` in the
data dir, created on first start with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniroute_agent.errors import ConfigError

KEY_FILE = "secret.key"
_PREFIX = "v1:"


class Cipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ConfigError("the secret key must be 32 bytes (urlsafe base64 of 32 random bytes)")
        self._aead = AESGCM(key)
        self._mac_key = hashlib.sha256(b"omniroute-fingerprint" + key).digest()

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, *, context: str) -> str:
        if not token.startswith(_PREFIX):
            raise ValueError("unknown credential encoding")
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()

    def fingerprint(self, value: str) -> str:
        """A keyed, stable id for a secret: lets the same key upsert to the same row without storing it."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()[:16]


def load_cipher(data_dir: Path, env_key: str | None) -> Cipher:
    if env_key:
        try:
            key = base64.b64decode(env_key + "=" * (-len(env_key) % 4), altchars=b"-_", validate=True)
        except (ValueError, TypeError):
            key = b""
        if len(key) != 32:
            raise ConfigError("OMNIROUTE_SECRET_KEY must be urlsafe base64 of 32 random bytes")
        return Cipher(key)
    path = data_dir / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, 0o600)
    return Cipher(base64.urlsafe_b64decode(path.read_bytes().strip()))


def _create_key_file(path: Path) -> None:
    """Write the key whole under a temporary name, then link it in: a second process starting at
    the same moment either wins the link or reads the complete file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.urlsafe_b64encode(os.urandom(32)))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def hash_api_key(key: str) -> str:
    """Gateway API keys are stored as SHA-256: they are long random strings, so no slow KDF is needed."""
    return hashlib.sha256(key.encode()).hexdigest()
