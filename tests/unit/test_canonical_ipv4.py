"""canonical_ip's shortcut for canonical IPv4 text gives what `ipaddress` gives."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from shared.mapping.addresses import canonical_ip

_OCTET = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 99).map(lambda n: f"0{n}"),
    st.sampled_from(["", "a", "٣", "+1", " 1", "1 ", "0x1"]),
)


def _reference(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return None if address.compressed == "0.0.0.0" else address.compressed  # noqa: S104


@given(octets=st.lists(_OCTET, min_size=3, max_size=5))
def test_dotted_text_reads_as_ipaddress_reads_it(octets: list[str]) -> None:
    text = ".".join(octets)
    assert canonical_ip.__wrapped__(text) == _reference(text)
