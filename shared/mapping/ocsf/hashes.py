"""Every hash a file's `hashes[]` lists, as File attributes: one per algorithm.

A file's key comes from its strongest hash (entities.py); EDRs and sandboxes list
MD5, SHA-1, SHA-256, ssdeep, TLSH and imphash side by side, and an analyst searches by
whichever one a report gave. Each algorithm gets its own fixed property (`md5`,
`sha1`, `ssdeep`, ... from `FILE_HASH_PROPERTIES`), so events that list different
hashes of one file add up, each property keeping its value by the write's usual rule,
and the write lists them all in the File's `hashes`. A property name never comes from
the sender: an algorithm this table does not know stays in the raw event.
"""

from __future__ import annotations

import re
from typing import Any, Final

from shared.mapping.fields import Loc
from shared.mapping.graph_model import FILE_HASH_PROPERTIES, Scalar
from shared.mapping.ocsf.reader import Reader

# OCSF fingerprint algorithm_id -> property.
_BY_ID: Final[dict[int, str]] = {
    1: "md5",
    2: "sha1",
    3: "sha256",
    4: "sha512",
    5: "ssdeep",  # CTPH
    6: "tlsh",
    7: "quickxorhash",
    8: "sha224",
    9: "sha384",
    10: "sha512_224",
    11: "sha512_256",
    12: "sha3_224",
    13: "sha3_256",
    14: "sha3_384",
    15: "sha3_512",
    16: "xxh3_64",
    17: "xxh3_128",
    18: "imphash",
}
# `algorithm` text, lower-cased without `-`, `_`, `/` and spaces -> property.
_BY_NAME: Final[dict[str, str]] = {
    **{name.replace("_", ""): name for name in FILE_HASH_PROPERTIES},
    "ctph": "ssdeep",
    "xxhashh364bit": "xxh3_64",
    "xxhashh3128bit": "xxh3_128",
}
_SEPARATORS: Final = re.compile(r"[-_/\s]+")
_HEX_LENGTHS: Final[dict[str, int]] = {
    "md5": 32,
    "sha1": 40,
    "sha224": 56,
    "sha256": 64,
    "sha384": 96,
    "sha512": 128,
    "sha512_224": 56,
    "sha512_256": 64,
    "sha3_224": 56,
    "sha3_256": 64,
    "sha3_384": 96,
    "sha3_512": 128,
    "imphash": 32,
    "xxh3_64": 16,
    "xxh3_128": 32,
}
_HEX: Final = re.compile(r"[0-9a-f]+", re.ASCII)
_SSDEEP: Final = re.compile(r"\d{1,10}:[0-9A-Za-z/+]{1,128}:[0-9A-Za-z/+]{1,128}", re.ASCII)
_TLSH: Final = re.compile(r"(?:T1)?[0-9A-F]{70}", re.ASCII)
_QUICKXOR: Final = re.compile(r"[0-9A-Za-z/+]{27}=", re.ASCII)


def file_hashes(obj: dict[str, Any], loc: Loc, read: Reader) -> dict[str, Scalar]:
    """`{"md5": ..., "sha256": ..., "ssdeep": ...}` from `hashes[]`; a value that is not
    a hash of its algorithm is dropped and reported."""
    found: dict[str, Scalar] = {}
    hashes = obj.get("hashes")
    if not isinstance(hashes, list):
        return found  # absent, or reported by the key's own read of `hashes`
    for index, item in enumerate(hashes):
        if not isinstance(item, dict):
            continue
        item_loc = (*loc, "hashes", index)
        name = _property(item)
        value = read.text(item, "value", item_loc) if name is not None else None
        if name is None or value is None or name in found:
            continue
        canonical = canonical_hash(name, value)
        if canonical is None:
            read.drop(item_loc, f"is not a {name} hash", "value")
        else:
            found[name] = canonical
    return found


def canonical_hash(name: str, value: str) -> str | None:
    """The hash as stored and searched: hex digests and TLSH in one case (lower, and
    TLSH's usual upper), ssdeep and quickXorHash as written (their case matters)."""
    text = value.strip()
    length = _HEX_LENGTHS.get(name)
    if length is not None:
        text = text.lower()
        return text if len(text) == length and _HEX.fullmatch(text) else None
    if name == "tlsh":
        text = text.upper()
        return text if _TLSH.fullmatch(text) else None
    if name == "ssdeep":
        return text if _SSDEEP.fullmatch(text) else None
    if name == "quickxorhash":
        return text if _QUICKXOR.fullmatch(text) else None
    return None


def _property(item: dict[str, Any]) -> str | None:
    algorithm = item.get("algorithm")
    if isinstance(algorithm, str) and algorithm.strip():
        named = _BY_NAME.get(_SEPARATORS.sub("", algorithm.lower()))
        if named is not None:
            return named
    # Read without a report: the key's own read of `hashes` reports a bad algorithm_id.
    algorithm_id = item.get("algorithm_id")
    if isinstance(algorithm_id, str) and algorithm_id.strip().isdecimal():
        algorithm_id = int(algorithm_id)
    if isinstance(algorithm_id, int) and not isinstance(algorithm_id, bool):
        return _BY_ID.get(algorithm_id)
    return None
