"""One key registry: the README's key table, the bindings, help and the palette all come
from `tui/keys.py`; a bad keymap is refused at start with one line naming both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcc_tui.tui import keys
from pcc_tui.tui.app import PccApp
from pcc_tui.tui.cockpit.screen import CockpitScreen
from pcc_tui.tui.panels.queue import QueuePanel

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_key_table_is_the_registry() -> None:
    text = README.read_text()
    assert keys.readme_table() in text, (
        "README's key table differs from tui/keys.py; paste keys.readme_table()"
    )


def test_bindings_come_from_the_registry() -> None:
    for scope, owner in (("app", PccApp), ("cockpit", CockpitScreen), ("queue", QueuePanel)):
        ids = {b.id for b in owner.BINDINGS if hasattr(b, "id")}  # type: ignore[union-attr]
        assert ids == {k.id for k in keys.KEYS if k.scope == scope}


def test_unknown_keymap_id_is_refused_with_a_suggestion() -> None:
    refused = r"'complete-stp' is not a pcc key id.*complete-step"
    with pytest.raises(keys.KeymapError, match=refused):
        keys.check_keymap({"complete-stp": "D"})


def test_a_clash_names_both_ids() -> None:
    with pytest.raises(
        keys.KeymapError, match="complete-step and confirm-appointment both use 'c'"
    ):
        keys.check_keymap({"complete-step": "c"})
    keys.check_keymap({"complete-step": "D"})  # free: fine


def test_help_shows_the_key_in_force() -> None:
    groups = dict(keys.grouped({"complete-step": "D"}))
    assert ("D", "Complete the step (marked rows: all)", "complete-step") in groups["Plan steps"]
