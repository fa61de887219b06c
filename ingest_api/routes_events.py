"""The /events endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request

from ingest_api import metrics
from ingest_api.body import (
    JSON_TYPES,
    NDJSON_TYPES,
    parse_json,
    read_body,
    require_media_type,
    split_ndjson,
)
from ingest_api.dispatch import Dispatched, NothingDurable, Refused, Route, Stored
from ingest_api.in_flight import InFlightLimiter, Overloaded
from ingest_api.intake import AcceptedEvent, RejectedItem, accept_item, graph_of
from ingest_api.json_limits import json_limit_violation
from ingest_api.json_response import FastJSONResponse, ModelResponse
from ingest_api.preview import event_preview
from ingest_api.problems import HttpProblem, invalid
from ingest_api.request_id import request_id
from ingest_api.schemas import (
    DEFAULT_PAGE,
    MAX_CLASS_UID,
    MAX_PAGE,
    BatchAnswer,
    BatchItemAccepted,
    BatchItemRejected,
    DroppedField,
    EventOut,
    EventPage,
    OcsfSchemaUsed,
    ProblemDetailDict,
    StoredEvent,
)
from ingest_api.state import AppState, app_state
from shared.mapping.fields import decimal_int
from shared.mapping.ocsf.versions import schema_choice
from shared.mapping.timeparse import TimeParseError, parse_event_time
from shared.neo4j_store.event_reads import EventFilter


async def post_event(request: Request) -> FastJSONResponse:
    state = app_state(request)
    result = await _accept_one(request, state, map_now=not state.settings.use_kafka)
    dispatched = await _submit(request, [result])
    outcome = dispatched.outcomes[0]
    if isinstance(outcome, Refused):
        metrics.EVENTS_REJECTED.inc()
        detail = [invalid(("event",), outcome.reason)]
        raise HttpProblem(422, "invalid_event", "the event cannot be stored", detail)
    answer = StoredEvent(
        id=result.id,
        event=result.record.event,
        dropped=_dropped(outcome),
        duplicate=outcome.duplicate,
        ocsf_schema=_schema_used(result),
    )
    return FastJSONResponse(answer, _status(dispatched.route))


async def post_batch(request: Request) -> FastJSONResponse:
    state = app_state(request)
    kind = require_media_type(request, JSON_TYPES | NDJSON_TYPES)
    body = await read_body(request, state.settings.max_batch_bytes)
    items = _batch_items(body, kind in NDJSON_TYPES)
    limit = state.settings.max_batch_items
    if len(items) > limit:
        raise HttpProblem(413, "too_many_items", f"a batch holds at most {limit} events")
    if not items:
        raise HttpProblem(422, "empty_batch", "the batch holds no events", [invalid((), "empty")])

    key = request.headers.get("idempotency-key")
    received_at = datetime.now(UTC)
    results: list[BatchItemAccepted | BatchItemRejected | None] = []
    accepted: list[AcceptedEvent] = []
    for index, item in enumerate(items):
        outcome = (
            item
            if isinstance(item, RejectedItem)
            else _accept(
                state,
                item,
                f"{key}:{index}" if key else None,
                received_at,
                map_now=not state.settings.use_kafka,
            )
        )
        if isinstance(outcome, RejectedItem):
            results.append(_rejected(index, outcome.detail))
        else:
            accepted.append(outcome)
            results.append(None)  # answered once the events are durable
    route = await _submit_batch(request, accepted, results) if accepted else None
    answers = [r for r in results if r is not None]
    stored = sum(1 for r in answers if r["status"] == "accepted")
    metrics.EVENTS_REJECTED.inc(len(items) - stored)
    answer = BatchAnswer(accepted=stored, rejected=len(items) - stored, results=answers)
    if not stored or route is None:
        return FastJSONResponse(answer, 422)
    answer["route"] = route
    return FastJSONResponse(answer, _status(route))


async def _submit_batch(
    request: Request,
    events: list[AcceptedEvent],
    results: list[BatchItemAccepted | BatchItemRejected | None],
) -> Route:
    """Fill the open slots of `results`, in order, with what became of each event."""
    dispatched = await _submit(request, events)
    slots = [i for i, r in enumerate(results) if r is None]
    for index, outcome in zip(slots, dispatched.outcomes, strict=True):
        results[index] = (
            BatchItemAccepted(
                index=index,
                status="accepted",
                id=outcome.event.id,
                dropped=_dropped(outcome),
                duplicate=outcome.duplicate,
                ocsf_schema=_schema_used(outcome.event),
            )
            if isinstance(outcome, Stored)
            else _rejected(index, [invalid(("event",), outcome.reason)])
        )
    return dispatched.route


async def preview_event(request: Request) -> FastJSONResponse:
    """What POST /events would make of this body, mapped here; nothing stored or sent."""
    state = app_state(request)
    result = await _accept_one(request, state, map_now=True)
    return FastJSONResponse(event_preview(graph_of(result), _schema_used(result)), 200)


def _schema_used(event: AcceptedEvent) -> OcsfSchemaUsed:
    """Read off the event as sent, so the Kafka path (mapped later, by graph_writer)
    answers it too."""
    choice = schema_choice(event.record.event)
    return OcsfSchemaUsed(declared=choice.declared, used=choice.used, note=choice.note)


async def _accept_one(request: Request, state: AppState, map_now: bool) -> AcceptedEvent:
    require_media_type(request, JSON_TYPES)
    item = parse_json(await read_body(request, state.settings.max_body_bytes))
    key = request.headers.get("idempotency-key")
    result = _accept(state, item, key, datetime.now(UTC), map_now)
    if isinstance(result, RejectedItem):
        metrics.EVENTS_REJECTED.inc()
        error = "payload_too_large" if result.status == 413 else "invalid_event"
        raise HttpProblem(result.status, error, "the event is not valid", result.detail)
    return result


def _rejected(index: int, detail: list[dict[str, Any]]) -> BatchItemRejected:
    problems = [ProblemDetailDict(loc=d["loc"], msg=d["msg"]) for d in detail]
    return BatchItemRejected(index=index, status="rejected", detail=problems)


def _dropped(outcome: Stored) -> list[DroppedField] | None:
    if outcome.graph is None:
        return None  # through Kafka: graph_writer maps the event and counts its drops
    dropped = outcome.graph.dropped
    for field in dropped:
        metrics.count_dropped(field.path)
    return [DroppedField(path=d.path, reason=d.reason) for d in dropped]


async def list_events(request: Request) -> ModelResponse:
    state = app_state(request)
    query = request.query_params
    _refuse_repeated(query)
    filters = EventFilter(
        class_uid=_int_param(query.get("class_uid"), "class_uid", 0, MAX_CLASS_UID),
        since=_time_param(query.get("since"), "since"),
        until=_time_param(query.get("until"), "until"),
        entity=query.get("entity") or None,
    )
    limit = _int_param(query.get("limit"), "limit", 1, MAX_PAGE) or DEFAULT_PAGE
    try:
        page = await state.repository.list_events(filters, query.get("cursor") or None, limit)
    except ValueError:
        raise HttpProblem(
            422, "invalid_query", "bad cursor", [invalid(("query", "cursor"), "invalid cursor")]
        ) from None
    items = [EventOut.model_validate(item) for item in page.items]
    return ModelResponse(EventPage(items=items, next_cursor=page.next_cursor))


async def get_event(request: Request) -> ModelResponse:
    state = app_state(request)
    event = await state.repository.get_event(request.path_params["event_id"])
    if event is None:
        raise HttpProblem(404, "not_found", "no event with this id")
    return ModelResponse(EventOut.model_validate(event))


def _accept(
    state: AppState, item: Any, idempotency_key: str | None, received_at: datetime, map_now: bool
) -> AcceptedEvent | RejectedItem:
    s = state.settings
    # Before validation and placing or mapping, which would otherwise walk a hostile shape.
    violation = json_limit_violation(item, s.max_json_depth, s.max_string_length)
    if violation is not None:
        return RejectedItem([violation])
    return accept_item(item, idempotency_key, received_at, s.max_event_bytes, map_now)


async def _submit(request: Request, events: list[AcceptedEvent]) -> Dispatched:
    state = app_state(request)
    limiter: InFlightLimiter = request.state.in_flight
    try:
        with limiter.admit(len(events)):
            return await state.dispatcher.submit(events, request_id(request))
    except Overloaded:
        raise HttpProblem(
            429,
            "overloaded",
            "too many events are waiting to be stored; nothing was written, retry later",
            headers={"Retry-After": str(state.settings.retry_after_s)},
        ) from None
    except NothingDurable:
        retry_after = str(state.settings.retry_after_s)
        raise HttpProblem(
            503,
            "unavailable",
            "the event could not be stored; nothing was written, retry later",
            headers={"Retry-After": retry_after},
        ) from None


def _status(route: Route) -> int:
    return 202 if route == "kafka" else 201


def _batch_items(body: bytes, ndjson: bool) -> list[Any]:
    if not ndjson:
        data = parse_json(body)
        if not isinstance(data, list):
            raise HttpProblem(
                422, "invalid_batch", "body must be a JSON array", [invalid((), "not an array")]
            )
        return data
    items: list[Any] = []
    for line in split_ndjson(body):
        try:
            items.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            items.append(RejectedItem([invalid((), f"malformed JSON line: {exc}")]))
    return items


def _refuse_repeated(query: QueryParams) -> None:
    # `?until=a&until=b` is ambiguous: a proxy may check one value while we would use the
    # other (parameter pollution). Refuse instead of picking.
    for name in set(query.keys()):
        if len(query.getlist(name)) > 1:
            raise HttpProblem(
                422,
                "invalid_query",
                f"{name} is given more than once",
                [invalid(("query", name), "given more than once")],
            )


def _int_param(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return None
    number = decimal_int(raw)
    if number is None or not low <= number <= high:
        raise HttpProblem(
            422,
            "invalid_query",
            f"{name} must be an integer between {low} and {high}",
            [invalid(("query", name), f"must be an integer between {low} and {high}")],
        )
    return number


def _time_param(raw: str | None, name: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        return parse_event_time(raw)
    except TimeParseError as exc:
        raise HttpProblem(
            422, "invalid_query", f"{name} {exc}", [invalid(("query", name), str(exc))]
        ) from None
