"""External programs some tests run, and the Debian package that provides each.

A test that needs one it cannot find is skipped with one line naming the package;
`.ci/run` installs them when it runs as root.
"""

from __future__ import annotations

import os
import shutil

import pytest

# program -> (environment variable that may name it, Debian package)
PACKAGES = {
    "syslog-ng": ("SYSLOG_NG", "syslog-ng-core syslog-ng-mod-http"),
    "prometheus": ("PROMETHEUS", "prometheus"),
    "promtool": ("PROMTOOL", "prometheus"),
    "chromium": ("CHROMIUM", "chromium"),
}


def find_program(name: str) -> str | None:
    variable, _ = PACKAGES[name]
    return os.environ.get(variable) or shutil.which(name) or _sbin(name)


def missing_reason(name: str) -> str:
    variable, package = PACKAGES[name]
    return f"{name} not found (set {variable}): apt-get install {package}"


def require_program(name: str) -> str:
    """The program's path, or skip the test with the package that provides it."""
    path = find_program(name)
    if path is None:
        pytest.skip(missing_reason(name))
    return path


def _sbin(name: str) -> str | None:
    # syslog-ng lives in /usr/sbin, which a non-root PATH often lacks.
    path = f"/usr/sbin/{name}"
    return path if os.access(path, os.X_OK) else None
