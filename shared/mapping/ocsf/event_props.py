"""The Event node's properties: fixed names, read leniently from fixed OCSF paths.

A producer cannot add or overwrite Event properties by choosing field names. Only
`class_uid` is required; a bad optional value is dropped and reported.
"""

from __future__ import annotations

from typing import Any, Final

from shared.mapping.fields import Loc, scalar_at
from shared.mapping.graph_model import Scalar
from shared.mapping.ocsf.placement import class_uid as placed_class_uid
from shared.mapping.ocsf.reader import Reader
from shared.mapping.placeholders import is_placeholder_text

# Event property name <- OCSF path, dotted; where a name has two paths, the first present wins.
_PROPERTIES: Final[tuple[tuple[str, str], ...]] = (
    ("source_uid", "metadata.uid"),
    ("vendor", "metadata.product.vendor_name"),
    ("product_version", "metadata.product.version"),
    ("event_code", "metadata.event_code"),
    ("activity_name", "activity_name"),
    ("class_name", "class_name"),
    ("status_detail", "status_detail"),
    ("action", "action"),
    ("disposition", "disposition"),
    ("src_port", "src_endpoint.port"),
    ("dst_port", "dst_endpoint.port"),
    ("protocol", "connection_info.protocol_name"),
    ("direction", "connection_info.direction"),
    ("bytes_in", "traffic.bytes_in"),
    ("bytes_out", "traffic.bytes_out"),
    ("logon_type", "logon_type"),
    ("auth_protocol", "auth_protocol"),
    ("service", "service.name"),
    ("http_method", "http_request.http_method"),
    ("user_agent", "http_request.user_agent"),
    ("http_status", "http_response.code"),
    ("dns_query_type", "query.type"),
    ("dns_rcode", "rcode"),
    ("api_operation", "api.operation"),
    ("api_service", "api.service.name"),
    ("cloud_provider", "cloud.provider"),
    ("cloud_region", "cloud.region"),
    ("cloud_account", "cloud.account.uid"),
    ("finding_title", "finding_info.title"),
    ("finding_uid", "finding_info.uid"),
    ("finding_title", "finding.title"),  # OCSF 1.0
    ("finding_uid", "finding.uid"),  # OCSF 1.0
    ("email_subject", "email.subject"),
    ("cmd_line", "process.cmd_line"),
)

_STEPS: Final = tuple((name, tuple(path.split("."))) for name, path in _PROPERTIES)
# Most roots are absent from any one event: look only at the roots present, each once,
# and from it the rest of each path.
_PROPERTIES_BY_ROOT: Final = {
    root: tuple((name, steps[1:]) for name, steps in _STEPS if steps[0] == root)
    for root in dict.fromkeys(steps[0] for _, steps in _STEPS)
}


def event_props(
    event: dict[str, Any], base: Loc, source_format: str, read: Reader
) -> dict[str, Scalar]:
    class_uid = placed_class_uid(event, base)
    props: dict[str, Scalar] = {"class_uid": class_uid, "source_format": source_format}
    category_uid = read.integer(event, "category_uid", base, 0, 999)
    props["category_uid"] = category_uid if category_uid is not None else class_uid // 1000
    activity_id = read.integer(event, "activity_id", base, 0, 999)
    type_uid = read.integer(event, "type_uid", base, 0, 99_999_999)
    if activity_id is not None:
        props["activity_id"] = activity_id
    if type_uid is not None:
        props["type_uid"] = type_uid
    elif activity_id is not None:
        props["type_uid"] = class_uid * 100 + activity_id
    for name in ("severity_id", "status_id"):
        number = read.integer(event, name, base, 0, 99)
        if number is not None:
            props[name] = number
    for name in ("message", "status", "outcome", "severity"):
        text = read.text(event, name, base)
        if text is not None:
            props[name] = text
    product = _product(event)
    if product is not None:
        props["product"] = product
    for root, entries in _PROPERTIES_BY_ROOT.items():
        top = event.get(root)
        if top is not None:
            for name, rest in entries:
                value = scalar_at(top, rest)
                if value is not None and not (
                    isinstance(value, str) and is_placeholder_text(value)
                ):
                    props.setdefault(name, value)
    return props


def _product(event: dict[str, Any]) -> str | None:
    for name in ("name", "vendor_name"):
        value = scalar_at(event, ("metadata", "product", name))
        if isinstance(value, str):
            return value
    return None
