"""What the lifespan opened, and how a handler reaches it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ingest_api.dispatch import EventDispatcher
from ingest_api.kafka_publisher import KafkaPublisher
from ingest_api.settings import IngestApiSettings
from shared.neo4j_store.repository import GraphRepository


@dataclass(frozen=True, slots=True)
class AppState:
    """Everything the lifespan opened, handed to the handlers as `request.state`."""

    settings: IngestApiSettings
    repository: GraphRepository
    publisher: KafkaPublisher | None
    dispatcher: EventDispatcher


def app_state(request: Request) -> AppState:
    state: AppState = request.state.app
    return state
