"""API keys: reading them from the configuration and checking a presented one.

Keys are only ever compared, never logged or echoed: errors name the variable and
the position of a bad key, not the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import SecretStr

# Shorter keys could be guessed online; 16 visible characters is the floor, not the advice.
MIN_KEY_LENGTH = 16
# Visible ASCII: what survives an HTTP header unchanged and cannot hide a stray space.
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")


def parse_key_list(raw: SecretStr) -> list[SecretStr]:
    """INGEST_API_KEYS: comma-separated keys, surrounding spaces ignored."""
    parts = [p.strip() for p in raw.get_secret_value().split(",")]
    return _validated((p for p in parts if p), "INGEST_API_KEYS")


def parse_key_file(path: Path) -> list[SecretStr]:
    """INGEST_API_KEYS_FILE: one key per line; blank lines and `#` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"INGEST_API_KEYS_FILE cannot be read: {type(exc).__name__}") from None
    lines = (line.strip() for line in text.splitlines())
    return _validated(
        (line for line in lines if line and not line.startswith("#")), "INGEST_API_KEYS_FILE"
    )


def _validated(keys: Iterable[str], source: str) -> list[SecretStr]:
    out = []
    for position, key in enumerate(keys, start=1):
        if len(key) < MIN_KEY_LENGTH or not _KEY_CHARS.fullmatch(key):
            raise ValueError(
                f"key #{position} of {source} must be at least {MIN_KEY_LENGTH} visible "
                "ASCII characters without spaces"
            )
        out.append(SecretStr(key))
    return out


class KeyChecker:
    """Constant-time membership test of a presented key against every configured key.

    Both sides are hashed first, so `compare_digest` always compares equal lengths and
    the time taken tells nothing about the keys' lengths; every key is compared, so it
    tells nothing about which key matched either.
    """

    def __init__(self, keys: Iterable[SecretStr]) -> None:
        self._digests = tuple(_digest(k.get_secret_value().encode()) for k in keys)

    def __bool__(self) -> bool:
        return bool(self._digests)

    def matches(self, presented: bytes) -> bool:
        candidate = _digest(presented)
        found = False
        for digest in self._digests:
            # `|` rather than `or`: no early exit once a key matched.
            found = hmac.compare_digest(candidate, digest) | found
        return found


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
