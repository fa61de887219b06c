"""The errors this project raises itself, under one root type."""

from __future__ import annotations


class BlueprintError(Exception):
    """The root of the errors this project raises itself."""


class SettingsError(BlueprintError):
    """A configuration variable is missing or invalid; the service must not start."""


class InvalidEvent(BlueprintError):
    """The input can never become a graph event. `loc` is the field path inside the envelope."""

    def __init__(self, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__(f"{'.'.join(str(p) for p in loc) or '<root>'}: {msg}")
        self.loc = loc
        self.msg = msg


class StoreUnavailable(BlueprintError):
    """Neo4j could not be reached or refused the write for a reason that may pass."""


class StoreUntrusted(StoreUnavailable):
    """Neo4j's TLS certificate failed verification: a configuration error, not an outage.

    Still a StoreUnavailable, so requests get the usual 503; at start-up it is fatal."""
