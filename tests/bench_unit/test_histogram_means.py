"""The bench's histogram means over a whole process life, and over one run of it."""

from __future__ import annotations

from bench.stages_common import histogram_means

NAMES = ("graph_writer_batch_size", "graph_writer_neo4j_write_seconds")


def _exposition(batch_sum: float, batch_count: float, write_sum: float, write_count: float) -> str:
    return "\n".join(
        [
            "# HELP graph_writer_batch_size events per batch",
            'graph_writer_batch_size_bucket{le="10.0"} 3.0',
            f"graph_writer_batch_size_sum {batch_sum}",
            f"graph_writer_batch_size_count {batch_count}",
            f"graph_writer_neo4j_write_seconds_sum {write_sum}",
            f"graph_writer_neo4j_write_seconds_count {write_count}",
        ]
    )


def test_mean_over_the_whole_text() -> None:
    means = histogram_means(_exposition(100, 4, 2.0, 4), NAMES)
    assert means == {"graph_writer_batch_size": 25.0, "graph_writer_neo4j_write_seconds": 0.5}


def test_mean_since_an_earlier_text_counts_only_what_came_after() -> None:
    before = _exposition(100, 4, 2.0, 4)
    after = _exposition(1100, 6, 2.5, 6)
    means = histogram_means(after, NAMES, before)
    assert means == {"graph_writer_batch_size": 500.0, "graph_writer_neo4j_write_seconds": 0.25}


def test_a_histogram_without_new_observations_has_no_mean() -> None:
    text = _exposition(100, 4, 2.0, 4)
    assert histogram_means(text, NAMES, text) == {}
    assert histogram_means("", NAMES) == {}
