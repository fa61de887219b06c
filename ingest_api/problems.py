"""Errors that end a request, and how they look on the wire."""

from __future__ import annotations

from typing import Any

from ingest_api.json_response import ModelResponse
from ingest_api.schemas import Problem


class HttpProblem(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        detail: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.detail = detail
        self.headers = headers

    def response(self) -> ModelResponse:
        fields: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.detail is not None:
            fields["detail"] = self.detail
        return ModelResponse(
            Problem.model_validate(fields), status_code=self.status, headers=self.headers
        )


def invalid(loc: tuple[str | int, ...], msg: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg}
