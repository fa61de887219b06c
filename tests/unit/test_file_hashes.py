"""A File keeps every hash `hashes[]` lists, one property per algorithm; the key still
comes from the strongest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.mapping.graph_model import FILE_HASH_PROPERTIES, DroppedField, Entity, GraphEvent
from shared.mapping.ocsf.hashes import canonical_hash
from shared.mapping.to_graph import to_graph_event

RECEIVED = datetime(2025, 4, 11, 15, 0, tzinfo=UTC)
MD5 = "5D41402ABC4B2A76B9719D911017C592"
SHA1 = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
SSDEEP = "96:kq3Ax0bYbSl5Dt/Pq7iE:kq3A+YbSjt/S7iE"
TLSH = "t1" + "4f" * 35
IMPHASH = "f34d5f2d4577ed6d9ceec516c1f5a744"


def files(event: GraphEvent) -> list[Entity]:
    return [link.entity for link in event.links if link.entity.type == "File"]


def file_event(hashes: list[dict[str, Any]], **file: Any) -> GraphEvent:
    event = {
        "class_uid": 1001,
        "activity_id": 1,
        "time": 1744383600000,
        "device": {"hostname": "lab-04"},
        "file": {
            "name": "loader.dll",
            "path": "C:\\ProgramData\\loader.dll",
            "hashes": hashes,
            **file,
        },
    }
    return to_graph_event("f", "ocsf", event, RECEIVED)


def test_every_hash_is_kept_and_the_key_is_the_strongest() -> None:
    event = file_event(
        [
            {"algorithm_id": 1, "value": MD5},
            {"algorithm": "SHA-1", "value": SHA1},
            {"algorithm_id": 3, "algorithm": "SHA-256", "value": SHA256},
            {"algorithm_id": 5, "value": SSDEEP},
            {"algorithm": "TLSH", "value": TLSH},
            {"algorithm_id": 18, "value": IMPHASH},
        ]
    )
    (file,) = files(event)
    assert file.key == f"File:sha256:{SHA256}"
    assert file.attrs == {
        "path": "C:\\ProgramData\\loader.dll",
        "name": "loader.dll",
        "hash": SHA256,
        "md5": MD5.lower(),
        "sha1": SHA1,
        "sha256": SHA256,
        "ssdeep": SSDEEP,
        "tlsh": TLSH.upper(),
        "imphash": IMPHASH,
    }
    assert event.dropped == ()


def test_a_file_with_only_weaker_hashes_is_keyed_by_the_strongest_of_them() -> None:
    (file,) = files(
        file_event([{"algorithm_id": 5, "value": SSDEEP}, {"algorithm_id": 1, "value": MD5}])
    )
    assert file.key == f"File:md5:{MD5.lower()}"
    assert (file.attrs["md5"], file.attrs["ssdeep"]) == (MD5.lower(), SSDEEP)


def test_fuzzy_hashes_alone_key_the_file_by_host_and_path_and_are_kept() -> None:
    (file,) = files(
        file_event([{"algorithm_id": 5, "value": SSDEEP}, {"algorithm_id": 6, "value": TLSH}])
    )
    assert file.key == "File@Host:lab-04/C:\\ProgramData\\loader.dll"
    assert (file.attrs["ssdeep"], file.attrs["tlsh"]) == (SSDEEP, TLSH.upper())


@pytest.mark.parametrize(
    ("algorithm", "property_name"),
    [({"algorithm": "sha512"}, "sha512"), ({"algorithm": "SHA3-256"}, "sha3_256"),
     ({"algorithm": "sha_384"}, "sha384"), ({"algorithm": "CTPH"}, "ssdeep"),
     ({"algorithm": "ImpHash"}, "imphash"), ({"algorithm_id": "1"}, "md5"),
     ({"algorithm": "crc32"}, None), ({"algorithm_id": 99}, None), ({"algorithm_id": 20}, None)],
)  # fmt: skip
def test_algorithm_names_and_ids(algorithm: dict[str, Any], property_name: str | None) -> None:
    values = {"md5": MD5, "sha3_256": SHA256, "sha384": "ab" * 48, "sha512": "c" * 128,
              "ssdeep": SSDEEP, "imphash": IMPHASH}  # fmt: skip
    value = values.get(property_name or "", "0" * 64)
    (file,) = files(file_event([{**algorithm, "value": value}]))
    hash_props = {name for name in file.attrs if name in FILE_HASH_PROPERTIES}
    assert hash_props == ({property_name} if property_name else set())


@pytest.mark.parametrize(
    ("name", "value", "canonical"),
    [
        ("md5", f" {MD5} ", MD5.lower()),
        ("md5", MD5[:-1], None),
        ("sha256", "g" * 64, None),
        ("ssdeep", SSDEEP, SSDEEP),
        ("ssdeep", "not:a hash", None),
        ("tlsh", TLSH, TLSH.upper()),
        ("tlsh", "4F" * 35, "4F" * 35),
        ("tlsh", "T1XYZ", None),
        ("quickxorhash", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ("xxh3_64", "0123456789ABCDEF", "0123456789abcdef"),
    ],
)
def test_canonical_hash(name: str, value: str, canonical: str | None) -> None:
    assert canonical_hash(name, value) == canonical


def test_a_value_that_is_not_a_hash_of_its_algorithm_is_dropped() -> None:
    event = file_event(
        [{"algorithm_id": 3, "value": SHA256}, {"algorithm_id": 1, "value": "d41d8cd9"}]
    )
    (file,) = files(event)
    assert "md5" not in file.attrs
    assert event.dropped == (DroppedField("file.hashes[1].value", "is not a md5 hash"),)


def test_the_first_value_of_an_algorithm_wins() -> None:
    other = "0" * 32
    (file,) = files(
        file_event([{"algorithm_id": 1, "value": MD5}, {"algorithm_id": 1, "value": other}])
    )
    assert file.attrs["md5"] == MD5.lower()


def test_a_cef_file_hash_is_kept_under_its_algorithm() -> None:
    line = f"CEF:0|Acme|AV|3|detect|Malware found|8|dvchost=lab-04 fname=x.exe fileHash={SHA1}"
    (file,) = files(to_graph_event("c", "cef", line, RECEIVED))
    assert (file.key, file.attrs["sha1"]) == (f"File:sha1:{SHA1}", SHA1)
