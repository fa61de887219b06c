"""Circuit breaker for the Kafka path. Pure state; time is passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CircuitBreaker:
    """Closed: use Kafka. Open: skip Kafka until a background probe sees it healthy.

    While open, no request pays a Kafka timeout; only the probe does.
    """

    failure_threshold: int = 1
    failures: int = 0
    is_open: bool = False
    opened_at: float | None = None
    times_opened: int = 0

    def record_success(self) -> None:
        self.failures = 0
        self.is_open = False
        self.opened_at = None

    def record_failure(self, now: float) -> None:
        self.failures += 1
        if not self.is_open and self.failures >= self.failure_threshold:
            self.is_open = True
            self.opened_at = now
            self.times_opened += 1
