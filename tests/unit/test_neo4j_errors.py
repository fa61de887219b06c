"""Which Neo4j status codes dead-letter a record and which hold the batch for a retry.

The codes are those the local Neo4j 5.26 answered when each failure was provoked on
purpose, plus documented ones the local server cannot produce (cluster, read-only).
"""

from __future__ import annotations

import pytest

from shared.neo4j_store.error_codes import rejects_the_data

DATA = [
    # Entity key over the index key size limit.
    "Neo.DatabaseError.Statement.ExecutionFailed",
    # Second node with an existing Event.id.
    "Neo.ClientError.Schema.ConstraintValidationFailed",
    # MERGE on a null key.
    "Neo.ClientError.Statement.SemanticError",
    # A list mixing integers and strings as a property value.
    "Neo.ClientError.Statement.TypeError",
    "Neo.ClientError.Statement.SyntaxError",
    "Neo.ClientError.Statement.ArithmeticError",
    "Neo.ClientError.Statement.ArgumentError",
]

STORE = [
    # Wrong password, e.g. after it was changed on the server.
    "Neo.ClientError.Security.Unauthorized",
    "Neo.ClientError.Security.Forbidden",
    "Neo.ClientError.Security.AuthenticationRateLimit",
    "Neo.ClientError.Security.CredentialsExpired",
    # NEO4J_DATABASE names no database.
    "Neo.ClientError.Database.DatabaseNotFound",
    # Write sent with read access, or to a read-only database.
    "Neo.ClientError.Statement.AccessMode",
    "Neo.ClientError.Statement.EntityNotFound",
    "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
    "Neo.ClientError.Cluster.NotALeader",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.ClientError.Request.Invalid",
    "Neo.TransientError.Database.DatabaseUnavailable",
    "Neo.TransientError.Transaction.DeadlockDetected",
    "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
    "Neo.TransientError.Transaction.Terminated",
    "Neo.DatabaseError.General.UnknownError",
    "Neo.DatabaseError.Transaction.TransactionCommitFailed",
    "Neo.DatabaseError.Schema.ConstraintCreationFailed",
    "Neo.DatabaseError.Statement.CodeGenerationFailed",
    "Neo.ClientError.StatementX.Lookalike",
    "",
    None,
]


@pytest.mark.parametrize("code", DATA)
def test_data_errors_reject_the_records(code: str) -> None:
    assert rejects_the_data(code)


@pytest.mark.parametrize("code", STORE)
def test_store_errors_keep_the_records(code: str | None) -> None:
    assert not rejects_the_data(code)
