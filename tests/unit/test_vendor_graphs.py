"""Vendor-shaped events map to the graph an analyst expects (tests/vendor_samples.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.mapping.placeholders import is_placeholder
from shared.mapping.to_graph import to_graph_event
from shared.mapping.vocabulary import ENTITY_LABELS, RELATIONSHIP_TYPES
from tests.vendor_samples import SAMPLES, Sample

RECEIVED = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_every_entity_the_event_names_is_linked(sample: Sample) -> None:
    event = to_graph_event("e-1", "ocsf", sample.event, RECEIVED)
    assert {(link.rel, link.entity.key) for link in event.links} == sample.links
    for link in event.links:
        assert link.rel in RELATIONSHIP_TYPES
        assert link.entity.label in ENTITY_LABELS
        assert not is_placeholder(link.entity.key.split(":", 1)[1])
    assert set(event.associations) >= sample.associations
