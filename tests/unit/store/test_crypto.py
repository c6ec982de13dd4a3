"""store/crypto.py: AES-GCM sealing of provider credentials, the key file, the env key, API key hashes."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from omniroute_agent.errors import ConfigError
from omniroute_agent.store.crypto import KEY_FILE, Cipher, hash_api_key, load_cipher

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


def b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


@pytest.mark.parametrize(
    "secret",
    ["sk-proj-abc123", "", "ünïcödé-🔑", "x" * 4096],
    ids=["plain", "empty", "unicode", "long"],
)
def test_round_trip(secret: str) -> None:
    cipher = Cipher(KEY_A)
    token = cipher.encrypt(secret, context="openai-1")
    assert token.startswith("v1:")
    if secret:
        assert secret not in token
    assert cipher.decrypt(token, context="openai-1") == secret
    assert Cipher(KEY_A).decrypt(token, context="openai-1") == secret  # same key, new instance


def test_nonce_is_random() -> None:
    cipher = Cipher(KEY_A)
    assert cipher.encrypt("s", context="c") != cipher.encrypt("s", context="c")


def _flip_last(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[-1] ^= 1
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()


def _flip_nonce(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[0] ^= 0x80
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    ("mutate", "context", "key", "error"),
    [
        pytest.param(lambda t: t, "other-connection", KEY_A, InvalidTag, id="wrong-context"),
        pytest.param(lambda t: t, "c", KEY_B, InvalidTag, id="wrong-key"),
        pytest.param(_flip_last, "c", KEY_A, InvalidTag, id="tampered-tag"),
        pytest.param(_flip_nonce, "c", KEY_A, InvalidTag, id="tampered-nonce"),
        pytest.param(lambda t: t[:-8], "c", KEY_A, (InvalidTag, ValueError), id="truncated"),
        pytest.param(lambda t: "v2:" + t[3:], "c", KEY_A, ValueError, id="unknown-prefix"),
        pytest.param(lambda t: t[3:], "c", KEY_A, ValueError, id="no-prefix"),
    ],
)
def test_decrypt_rejects(
    mutate: Callable[[str], str],
    context: str,
    key: bytes,
    error: type[Exception] | tuple[type[Exception], ...],
) -> None:
    token = Cipher(KEY_A).encrypt("sk-secret", context="c")
    with pytest.raises(error):
        Cipher(key).decrypt(mutate(token), context=context)


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_cipher_rejects_wrong_key_length(length: int) -> None:
    with pytest.raises(ConfigError):
        Cipher(b"k" * length)


def test_fingerprint_stable_and_key_dependent() -> None:
    a1, a2, b = Cipher(KEY_A), Cipher(KEY_A), Cipher(KEY_B)
    fp = a1.fingerprint("openai:sk-1")
    assert fp == a2.fingerprint("openai:sk-1")
    assert len(fp) == 16
    assert int(fp, 16) >= 0
    assert fp != a1.fingerprint("openai:sk-2")
    assert fp != b.fingerprint("openai:sk-1")
    assert "sk-1" not in fp
    assert fp != hashlib.sha256(b"openai:sk-1").hexdigest()[:16]  # keyed, not a bare hash


def test_load_cipher_creates_key_file_0600_and_reuses_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "nested"
    first = load_cipher(data_dir, None)
    path = data_dir / KEY_FILE
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.urlsafe_b64decode(path.read_bytes().strip())) == 32
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # no temporary file left behind
    content = path.read_bytes()
    token = first.encrypt("sk-1", context="c")
    second = load_cipher(data_dir, None)
    assert path.read_bytes() == content
    assert second.decrypt(token, context="c") == "sk-1"
    assert second.fingerprint("x") == first.fingerprint("x")


def test_load_cipher_different_dirs_get_different_keys(tmp_path: Path) -> None:
    token = load_cipher(tmp_path / "a", None).encrypt("s", context="c")
    with pytest.raises(InvalidTag):
        load_cipher(tmp_path / "b", None).decrypt(token, context="c")


def test_load_cipher_tightens_loose_key_file_mode(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(base64.urlsafe_b64encode(KEY_A) + b"\n")
    os.chmod(path, 0o644)
    cipher = load_cipher(tmp_path, None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cipher.fingerprint("x") == Cipher(KEY_A).fingerprint("x")


@pytest.mark.parametrize("env_key", [b64(KEY_B), b64(KEY_B).rstrip("=")], ids=["padded", "unpadded"])
def test_load_cipher_uses_env_key_and_writes_no_file(tmp_path: Path, env_key: str) -> None:
    cipher = load_cipher(tmp_path, env_key)
    assert not (tmp_path / KEY_FILE).exists()
    assert cipher.fingerprint("x") == Cipher(KEY_B).fingerprint("x")
    assert Cipher(KEY_B).decrypt(cipher.encrypt("s", context="c"), context="c") == "s"


@pytest.mark.parametrize(
    "env_key",
    [
        pytest.param("not base64 at all!", id="garbage"),
        pytest.param("abcde", id="bad-padding"),
        pytest.param(b64(b"k" * 16), id="16-bytes"),
        pytest.param(b64(b"k" * 64), id="64-bytes"),
    ],
)
def test_load_cipher_bad_env_key_raises_config_error_naming_it(tmp_path: Path, env_key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_cipher(tmp_path, env_key)
    assert "OMNIROUTE_SECRET_KEY" in info.value.message
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    ("key", "digest"),
    [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("sk-local-1", hashlib.sha256(b"sk-local-1").hexdigest()),
    ],
)
def test_hash_api_key_is_sha256_hex(key: str, digest: str) -> None:
    assert hash_api_key(key) == digest
