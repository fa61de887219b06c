"""API keys from the configuration, the start-up refusal, and the constant-time check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from ingest_api.api_keys import KeyChecker, parse_key_file, parse_key_list
from ingest_api.settings import IngestApiSettings
from shared.core.errors import SettingsError
from shared.core.settings import load_settings

KEY_A = "a" * 16 + "-first-key"
KEY_B = "b" * 16 + "-second-key"


@pytest.fixture(autouse=True)
def _no_ambient_auth_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("INGEST_API_KEYS", "INGEST_API_KEYS_FILE", "AUTH_DISABLED"):
        monkeypatch.delenv(var, raising=False)
    # No stray .env in the working directory may feed these tests.
    monkeypatch.chdir(tmp_path)


def settings(**values: Any) -> IngestApiSettings:
    return IngestApiSettings(**values)


def test_comma_separated_keys_allow_rotation() -> None:
    keys = parse_key_list(SecretStr(f" {KEY_A} , {KEY_B},"))
    assert [k.get_secret_value() for k in keys] == [KEY_A, KEY_B]


def test_key_file_skips_blank_lines_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# current\n{KEY_A}\n\n# previous, remove after rotation\n  {KEY_B}  \n")
    assert [k.get_secret_value() for k in parse_key_file(path)] == [KEY_A, KEY_B]


@pytest.mark.parametrize(
    "bad", ["short", "has a space in it!!", "tab\tinside-the-key-xx", "é" * 20]
)
def test_weak_or_odd_keys_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError, match="key #2 of INGEST_API_KEYS") as info:
        parse_key_list(SecretStr(f"{KEY_A},{bad}"))
    assert bad not in str(info.value)


def test_no_key_and_no_opt_out_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="AUTH_DISABLED=true"):
        load_settings(IngestApiSettings)
    monkeypatch.setenv("AUTH_DISABLED", "true")
    assert load_settings(IngestApiSettings).api_keys == ()


def test_keys_from_env_and_file_are_merged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(KEY_B + "\n")
    monkeypatch.setenv("INGEST_API_KEYS", KEY_A)
    monkeypatch.setenv("INGEST_API_KEYS_FILE", str(path))
    loaded = load_settings(IngestApiSettings)
    assert [k.get_secret_value() for k in loaded.api_keys] == [KEY_A, KEY_B]
    assert KEY_A not in repr(loaded)
    assert KEY_A not in str(loaded.model_dump())


def test_bad_key_error_names_the_variable_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_API_KEYS", "tooshort-secret")
    with pytest.raises(SettingsError) as info:
        load_settings(IngestApiSettings)
    assert "INGEST_API_KEYS" in str(info.value)
    assert "tooshort-secret" not in str(info.value)


def test_missing_key_file_is_a_start_up_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="ingest_api_keys_file"):
        settings(ingest_api_keys_file=tmp_path / "absent")


def test_in_flight_bound_must_admit_a_full_batch() -> None:
    with pytest.raises(ValidationError, match="MAX_IN_FLIGHT_EVENTS"):
        settings(auth_disabled=True, max_in_flight_events=10, max_batch_items=100)


def test_checker_accepts_every_configured_key_and_nothing_else() -> None:
    checker = KeyChecker([SecretStr(KEY_A), SecretStr(KEY_B)])
    assert checker.matches(KEY_A.encode())
    assert checker.matches(KEY_B.encode())
    assert not checker.matches(KEY_A[:-1].encode())
    assert not checker.matches(KEY_A.encode() + b"x")
    assert not checker.matches(b"")


def test_checker_without_keys_lets_nothing_in() -> None:
    checker = KeyChecker([])
    assert not checker
    assert not checker.matches(b"")
