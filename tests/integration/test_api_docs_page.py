"""/docs in a real headless browser: Swagger UI renders the operations from the API alone."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Services
from tests.integration.processes import ServiceProcess, start_api
from tests.programs import require_program

# Every name resolves to nothing but the app's own address: a page that still needs a CDN
# renders no operation here, as it would offline or behind a strict proxy.
_OFFLINE = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
# The browser's own traffic (updates, sign-in, spelling) is not the page's: switched off
# where a flag can, and told apart below by the request's initiator where not.
_QUIET = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-features=SpellCheck,Translate,MediaRouter,OptimizationHints",
)
_OPERATION = re.compile(
    r'opblock-summary-method">([A-Z]+)</span>.{0,300}?data-path="([^"]+)"', re.DOTALL
)


@pytest.fixture(scope="module")
def api(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    process = start_api(
        services, "unused", Path(tmp_path_factory.mktemp("docs-logs")), USE_KAFKA="false"
    )
    try:
        process.wait_ready()
        yield process
    finally:
        process.close()


def render(chromium: str, url: str, work: Path) -> tuple[str, list[tuple[str, str]]]:
    """The DOM after the page's scripts ran, and (initiator, url) of each request made."""
    net_log = work / "net-log.json"
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # root in CI; the page is our own
            "--disable-gpu",
            f"--user-data-dir={work / 'profile'}",
            f"--host-resolver-rules={_OFFLINE}",
            f"--log-net-log={net_log}",
            "--virtual-time-budget=15000",
            *_QUIET,
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [
        (event["params"].get("initiator", ""), event["params"]["url"])
        for event in log["events"]
        if event["type"] == start_job and "url" in event.get("params", {})
    ]
    return done.stdout, requests


def test_the_docs_page_renders_every_operation_from_the_api_alone(
    api: ServiceProcess, tmp_path: Path
) -> None:
    chromium = require_program("chromium")
    origin = api.url("").rstrip("/")
    dom, requests = render(chromium, api.url("/docs"), tmp_path)

    shown = set(_OPERATION.findall(dom))
    for operation in [
        ("POST", "/events"),
        ("GET", "/events"),
        ("GET", "/events/{event_id}"),
        ("POST", "/events/batch"),
        ("POST", "/events/preview"),
        ("GET", "/health/ready"),
    ]:
        assert operation in shown, (operation, sorted(shown))
    assert "Unable to render this definition" not in dom

    page_requests = {url for initiator, url in requests if initiator == origin}
    assert f"{origin}/openapi.json" in page_requests
    assert f"{origin}/docs/swagger-ui-bundle.js" in page_requests
    assert {url for url in page_requests if not url.startswith(f"{origin}/")} == set()
