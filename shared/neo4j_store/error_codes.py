"""Is a Neo4j failure about the data of a batch, or about the store? Pure.

The answer decides between two very different paths: data errors split the batch and
dead-letter the records that can never be written; store errors keep every record,
commit nothing and retry until the store is back. Dead-lettering good records is the
worse mistake (it silently drops them from the graph), so only the status codes known to
be caused by a statement and its parameters count as data; everything else, including
codes this module has never seen, counts as the store.
"""

from __future__ import annotations

from typing import Final

# Neo4j status codes are `Neo.<Classification>.<Category>.<Title>`.
_DATA_CATEGORIES: Final = (
    # Syntax, semantic, type, arithmetic and argument errors of the statement as run
    # with these parameters (e.g. a null MERGE key, a value of an unsupported type).
    "Neo.ClientError.Statement.",
    # A constraint the data violates (e.g. a uniqueness conflict).
    "Neo.ClientError.Schema.",
)
_DATA_CODES: Final = frozenset(
    {
        # How Neo4j 5 refuses a property value too large for its index key
        # ("Property value is too large to index"): a DatabaseError, yet about the data.
        "Neo.DatabaseError.Statement.ExecutionFailed",
    }
)
# In a category above, but about where the statement ran, not what it carried: a write
# sent to a read-only database or a follower; a node or relationship gone from under the
# statement (deleted by a concurrent transaction, such as retention): the same records
# can succeed on a retry.
_STORE_CODES: Final = frozenset(
    {"Neo.ClientError.Statement.AccessMode", "Neo.ClientError.Statement.EntityNotFound"}
)


def rejects_the_data(code: str | None) -> bool:
    """True when retrying the same records can never succeed, whatever the store does."""
    if not code or code in _STORE_CODES:
        return False
    return code in _DATA_CODES or code.startswith(_DATA_CATEGORIES)
