"""pcc_tui.core must stay headless: importing all of it must not load Textual."""

from __future__ import annotations

import subprocess
import sys


def test_core_never_imports_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import pcc_tui.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'pcc_tui.core.'):\n"
        "    if '.migrations' not in m.name:  # Alembic scripts run only under alembic\n"
        "        importlib.import_module(m.name)\n"
        "loaded = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len([n for n in sys.modules if n.startswith('pcc_tui.core')]))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 20  # the walk really imported the core's modules
