"""What one event becomes in the graph: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

Scalar = str | int | float | bool

# The File properties that each hold one algorithm's hash of the file (OCSF fingerprint
# algorithms, by the names shared/mapping/ocsf/hashes.py gives them). The write lists the
# ones a File has in its `hashes` property, so a search by any hash value finds the file.
FILE_HASH_PROPERTIES: Final[tuple[str, ...]] = (
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha512_224",
    "sha512_256",
    "sha3_224",
    "sha3_256",
    "sha3_384",
    "sha3_512",
    "ssdeep",
    "tlsh",
    "imphash",
    "quickxorhash",
    "xxh3_64",
    "xxh3_128",
)


@dataclass(frozen=True, slots=True)
class Entity:
    key: str
    type: str
    label: str | None
    attrs: dict[str, Scalar]


@dataclass(frozen=True, slots=True)
class Link:
    rel: str
    entity: Entity


@dataclass(frozen=True, slots=True)
class DroppedField:
    """An optional field left out of the graph because its value was unusable.

    The raw event keeps it; the answer to the client lists it so the sender can be fixed.
    """

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class GraphEvent:
    id: str
    time: datetime
    received_at: datetime
    source_format: str
    props: dict[str, Scalar]
    raw: str
    links: tuple[Link, ...]
    dropped: tuple[DroppedField, ...] = ()
    # Pairs of entity keys (in key order) that the class's schema associates, such as
    # an authentication's user and source endpoint.
    associations: tuple[tuple[str, str], ...] = ()

    @property
    def rank(self) -> str:
        """Total order over events (time, then id) that decides which attribute value wins."""
        return f"{self.time.strftime('%Y-%m-%dT%H:%M:%S.%f')}|{self.id}"
