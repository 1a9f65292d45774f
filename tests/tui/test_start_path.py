"""The start path loads only what the first paint needs (issue 16): forms, the screens behind
keys, the text editor, interop and password hashing load on first use. A top-level import
that pulls one of them back in fails here, before it shows in the start benchmark."""

from __future__ import annotations

import subprocess
import sys

NOT_AT_START = [
    "pcc_tui.tui.forms.base",  # every form imports it
    "pcc_tui.tui.screens.form",
    "pcc_tui.tui.screens.history",
    "pcc_tui.tui.screens.rounds",
    "pcc_tui.tui.screens.reports",
    "textual.widgets._text_area",  # a note field's editor: ~0.1 s
    "rapidfuzz",  # the duplicate check on registration
    "argon2",  # secrets: hashed and checked on sign-in by password or PIN only
    "alembic",  # the schema check compares the stored revision with a constant
    "icalendar",
    "fhir",
    "hl7",
    "httpx",
    "jwt",
    "holidays",  # loaded by the first date counted, with one country
]


def test_the_cockpit_starts_without_what_its_first_paint_does_not_need() -> None:
    code = (
        "import sys\n"
        "import pcc_tui.cli, pcc_tui.tui.app\n"
        f"for name in {NOT_AT_START!r}:\n"
        "    print(name, name in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = [line.split()[0] for line in result.stdout.splitlines() if line.endswith("True")]
    assert len(result.stdout.splitlines()) == len(NOT_AT_START)
    assert loaded == []
