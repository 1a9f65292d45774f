"""`pcc config init` writes a commented sample where `pcc --help` says the file lives, and
`pcc config show` prints each setting with where it came from (never a password)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pcc_tui.cli_config import SAMPLE
from pcc_tui.core.config import Settings, load_settings


def pcc(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PCC_", "XDG_"))}
    return subprocess.run(
        [sys.executable, "-m", "pcc_tui", *args],
        env=base | {"HOME": str(home)} | env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_init_writes_the_sample_at_the_help_path_owner_only(tmp_path: Path) -> None:
    helped = pcc("--help", home=tmp_path).stdout
    path = Path(re.search(r"config file: (\S+)", helped).group(1))  # type: ignore[union-attr]
    assert "pcc config init" in helped and not path.exists()
    made = pcc("config", "init", home=tmp_path)
    assert made.returncode == 0 and made.stdout.strip() == f"wrote {path}"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    again = pcc("config", "init", home=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr
    assert "(none yet" not in pcc("--help", home=tmp_path).stdout


# Lines that show an example, not the default (the default is "none set"; theme: dark).
EXAMPLES = (
    "database_url",
    "user",
    "theme",
    "signing_key",
    "public_key",
    "anchors",
    "complete-step",
)


def test_every_sample_line_uncommented_is_the_default(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    for line in SAMPLE.splitlines():
        setting = re.match(r"# ([a-z_-]+) = ", line)
        continued = line.startswith("#   ") and lines and not lines[-1].startswith("#")
        if (setting and setting.group(1) not in EXAMPLES) or continued:
            line = line.removeprefix("# ")
        lines.append(line)
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines))
    monkeypatch.setenv("PCC_CONFIG", str(path))
    assert load_settings().model_dump() == Settings().model_dump()
    assert sum(1 for line in lines if re.match(r"[a-z_]+ = ", line)) >= 15  # it did set them


def test_show_names_each_source_and_hides_the_password(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "ansi"\n[policy]\nqueue_limit = 50\n')
    url = "postgresql://alex:s3cret@db.example.org/pcc"
    shown = pcc(
        "config", "show", "--db", url, home=tmp_path, PCC_CONFIG=str(config), PCC_USER="sam"
    )
    assert shown.returncode == 0, shown.stderr
    lines = dict(line.split(" = ", 1) for line in shown.stdout.splitlines() if " = " in line)
    assert lines["database_url"].endswith("# command line") and "s3cret" not in shown.stdout
    assert lines["user"] == "'sam'    # environment PCC_USER"
    assert lines["theme"] == "'ansi'    # config file"
    assert lines["policy.queue_limit"] == "50    # config file"
    assert lines["policy.eligibility_stale_days"] == "30    # default"
