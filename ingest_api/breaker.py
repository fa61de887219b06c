"""Circuit breaker for the Kafka path. Pure state."""

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

    def record_success(self) -> None:
        self.failures = 0
        self.is_open = False

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.failure_threshold:
            self.is_open = True
