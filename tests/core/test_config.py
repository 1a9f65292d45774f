"""Config errors name the file, the line and the field, and say how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcc_tui.core.config import load_settings
from pcc_tui.core.errors import ConfigError


def _with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("PCC_CONFIG", str(path))
    return path


def test_toml_syntax_error_names_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _with(tmp_path, monkeypatch, 'theme = "ansi"\nmouse = \n')
    with pytest.raises(ConfigError, match=rf"{path}: not valid TOML: .*line 2"):
        load_settings()


def test_unknown_key_says_did_you_mean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _with(tmp_path, monkeypatch, "[polcy]\nqueue_limit = 100\n")
    with pytest.raises(ConfigError, match=rf"{path}, line 1: unknown setting 'polcy' .*'policy'"):
        load_settings()
    _with(tmp_path, monkeypatch, "[policy]\nqueue_limt = 100\n")
    with pytest.raises(
        ConfigError, match=r"line 2: unknown setting 'policy.queue_limt'.*queue_limit"
    ):
        load_settings()


def test_bad_value_names_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with(tmp_path, monkeypatch, '\n[auth]\nmode = "os"\nidle_lock_minutes = 0\n')
    with pytest.raises(ConfigError, match=r"line 4: auth.idle_lock_minutes: .*greater than 0"):
        load_settings()


def test_bad_theme_lists_the_valid_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with(tmp_path, monkeypatch, 'theme = "solarized"\n')
    with pytest.raises(
        ConfigError,
        match="line 1: theme: no theme 'solarized'; choose one of: "
        "dark, light, high-contrast, ansi",
    ):
        load_settings()


def test_a_good_file_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with(tmp_path, monkeypatch, 'theme = "ansi"\n[policy]\nconfirm_ahead_business_days = 3\n')
    settings = load_settings()
    assert settings.theme == "ansi" and settings.policy.confirm_ahead_business_days == 3
