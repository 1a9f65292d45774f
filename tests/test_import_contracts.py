"""The shape of the code, enforced: import-linter's contracts (pyproject.toml) hold, no TUI
module imports the store or SQLAlchemy, and nothing moves focus with `.focus()`, which waits
for the next idle tick (keys typed ahead over a slow link would land on the old widget)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUI = ROOT / "src" / "pcc_tui" / "tui"


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
    return found


def test_the_tui_never_imports_the_store_or_sqlalchemy() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in TUI.rglob("*.py")
        for name in _imports(path)
        if name.startswith(("pcc_tui.core.store", "sqlalchemy"))
    ]
    assert not offenders


def test_no_widget_focuses_another_with_dot_focus() -> None:
    calls = []
    for path in TUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "focus"
            ):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not calls, "use screen.set_focus(widget): " + ", ".join(calls)
