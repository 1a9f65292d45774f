"""TUI benchmark: pcc in an 80x24 pseudo-terminal on the 100k-patient database, next to two
references in the same run. Prints tables; asserts nothing.

    python benchmarks/tui.py                       # builds a 100k SQLite database first
    python benchmarks/tui.py --db sqlite:///big.db --user alex   # alex bound to this OS login

References: *stack* (benchmarks/reference_stack_app.py) imports Textual, the SQLAlchemy ORM
and pydantic and shows 200 rows of the same file in a DataTable; *bare*
(benchmarks/reference_app.py) is a Textual app with a 200-row DataTable and nothing else.

Measures: exec to queue painted; key to cursor row painted and key to the next patient's
chart painted (5-row sweeps inside both views; 10-row sweeps and page down beside); bytes
per patient switch and per move of a held key; chart loads after a held key is released;
bytes in 5 idle seconds; memory. `--slow-link` adds pcc behind a link throttled to 64 kbit/s:
key to a settled screen for a move, the chart it opens, opening the note form and saving it.
pcc runs twice: as configured (a switch's move waits for its chart, to paint as one) and with
switch_paint_ms = 0 (the move painted at once), to compare the chart with a bare move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tui_probe import Key, Probe, p95, pss_kib, rss_kib  # noqa: E402
from tests.builders import bind_os_user  # noqa: E402
from tests.tui.pty_terminal import Terminal  # noqa: E402

DOWN, UP, PAGE_DOWN = b"\x1b[B", b"\x1b[A", b"\x1b[6~"
SLOW_LINK = 64_000 // 8  # bytes a second


def sweep(i: int, rows: int) -> bytes:
    return DOWN if (i // rows) % 2 == 0 else UP


def press(probe: Probe, key: bytes, limit: float = 3.0) -> Key:
    """One key, then a pause longer than the chart's debounce: a deliberate press, not a
    held key (pcc opens the patient of a deliberate move at once)."""
    result = probe.key(key, limit)
    probe.quiet(0.25)
    return result


def held_key(probe: Probe, moves: int, keys: list[bytes]) -> tuple[float, int]:
    """Keys at key-repeat speed (30 a second); bytes per move, and chart loads seen after
    the last key (the debounced load of the row it stopped on)."""
    term = probe.term
    start, loads_after = term.bytes_read, 0
    for i in range(moves):
        os.write(term.fd, keys[i % len(keys)])
        time.sleep(1 / 30)
        term.read(0.0)
    banner = probe.chart_banner()
    end = time.monotonic() + 2.0
    while time.monotonic() < end:  # 2 s: well past the 150 ms debounce
        if term.read(0.05) and probe.chart_banner() != banner:
            loads_after += 1
            banner = probe.chart_banner()
    return (term.bytes_read - start) / moves, loads_after


def measure(argv: list[str], ready: str, moves: int, env: dict[str, str]) -> dict[str, float]:
    t0 = time.monotonic()
    term = Terminal(argv, 80, 24, env)
    probe = Probe(term)
    try:
        probe.wait_for(ready, timeout=120)
        start = time.monotonic() - t0
        probe.quiet(1.0)
        # Like for like: 5-row sweeps stay inside both views (pcc's queue shows 8 rows at
        # 80x24, the references' full-screen tables 22), so neither app scrolls ...
        in_view = [press(probe, sweep(i, 5)) for i in range(moves)]
        # ... 10-row sweeps: pcc's queue scrolls, the references' do not ...
        sweeps = [press(probe, sweep(i, 10)) for i in range(moves)]
        # ... and page down, where every app scrolls a whole view.
        pages = [press(probe, PAGE_DOWN) for _ in range(6)]
        probe.quiet(0.5)
        for _ in range(6):  # back to the top, where the 5-row sweeps fit
            probe.key(b"\x1b[5~")
        probe.quiet(0.5)
        held, loads_after = held_key(probe, 50, [sweep(i, 5) for i in range(10)])
        probe.quiet(0.5)
        held_scroll, _ = held_key(probe, 50, [DOWN])
        probe.quiet(1.0)
        idle_start, idle = time.monotonic(), 0
        while time.monotonic() - idle_start < 5.0:
            idle += term.read(0.2)
        rss, pss = rss_kib(term.pid), pss_kib(term.pid)
        term.press("q")
    finally:
        term.kill()
    cursor = [k.cursor_s * 1000 for k in in_view if k.cursor_s is not None]
    switches = [k for k in in_view if k.chart_s is not None]
    charts = [k.chart_s * 1000 for k in switches if k.chart_s is not None]
    # A reference has no chart: its "switch" is a move.
    switch_bytes = [k.sent for k in (switches or in_view)]
    return {
        "start_s": start,
        "cursor_med_ms": statistics.median(cursor),
        "cursor_p95_ms": p95(cursor),
        "sweep_p95_ms": p95([k.cursor_s * 1000 for k in sweeps if k.cursor_s is not None]),
        "page_med_ms": statistics.median(k.settled_s * 1000 for k in pages),
        "chart_med_ms": statistics.median(charts) if charts else float("nan"),
        "chart_p95_ms": p95(charts) if charts else float("nan"),
        "switch_bytes": statistics.median(switch_bytes),
        "switch_bytes_max": max(switch_bytes),
        "held_bytes": held,
        "held_scroll_bytes": held_scroll,
        "loads_after_release": loads_after,
        "idle_bytes": idle,
        "rss_mib": rss / 1024,
        "pss_mib": pss / 1024,
    }


def slow_link(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """pcc behind a 64 kbit/s link: key to a settled screen, in seconds."""
    term = Terminal(argv, 80, 24, env)
    probe = Probe(term, rate=SLOW_LINK)
    try:
        t0 = time.monotonic()
        probe.wait_for("..0", timeout=120)
        start = time.monotonic() - t0
        probe.quiet(1.0)
        moves = [press(probe, sweep(i, 5), limit=10) for i in range(10)]
        switches = [k for k in moves if k.chart_s is not None]
        form = probe.key(b"n", limit=10, quiet=0.3)
        for ch in b"called the daughter, no answer":  # typed text: not measured
            os.write(term.fd, bytes([ch]))
            probe.quiet(0.02)
        probe.quiet(0.5)
        save = probe.key(b"\x1bOQ", limit=10, quiet=0.3)  # F2
        term.press("q")
    finally:
        term.kill()
    return {
        "start_s": start,
        "move_s": statistics.median(k.cursor_s for k in moves if k.cursor_s is not None),
        "switch_s": statistics.median(k.settled_s for k in switches) if switches else 0.0,
        "form_s": form.settled_s,
        "save_s": save.settled_s,
        "switch_bytes": statistics.median(k.sent for k in switches) if switches else 0.0,
    }


def stack_import_floor(runs: int = 5) -> float:
    """Seconds to start Python and import the stack pcc must use (Textual, SQLAlchemy ORM,
    pydantic) and nothing of pcc: no app can paint a database-backed queue sooner."""
    code = "import textual.app, textual.widgets, sqlalchemy.orm, pydantic"
    best = float("inf")
    for _ in range(runs):
        t = time.monotonic()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.monotonic() - t)
    return best


def build_database(patients: int, user: str) -> str:
    from pcc_tui.core.demo.seed import seed_demo
    from pcc_tui.core.store.database import Store
    from pcc_tui.core.store.engine import make_engine
    from pcc_tui.core.store.migrate import upgrade

    path = Path(tempfile.mkdtemp(prefix="pcc-tui-bench-")) / "big.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    print(f"building {patients:,} patients ...", file=sys.stderr, flush=True)
    seed_demo(store, patients=patients, chunk=5000)
    store.close()
    bind_os_user(url, user)  # as a site binds each SSH login: no password prompt at start
    return url


ROWS = [
    ("exec to queue painted (s)", "start_s", "{:.2f}", "<= 1.3x stack"),
    ("  floor: import the stack (s)", "floor_s", "{:.2f}", "ratios: floor / start"),
    ("cursor move, median (ms)", "cursor_med_ms", "{:.1f}", ""),
    ("cursor move, p95 (ms)", "cursor_p95_ms", "{:.1f}", ""),
    ("  10-row sweeps, p95 (ms)", "sweep_p95_ms", "{:.1f}", "pcc scrolls, refs not"),
    ("  page down, median (ms)", "page_med_ms", "{:.1f}", "all scroll a view"),
    ("chart painted, median (ms)", "chart_med_ms", "{:.1f}", ""),
    ("chart painted, p95 (ms)", "chart_p95_ms", "{:.1f}", "<= 2x pcc cursor p95"),
    ("bytes per patient switch", "switch_bytes", "{:.0f}", "<= 2048 (refs: a move)"),
    ("  largest switch", "switch_bytes_max", "{:.0f}", ""),
    ("bytes per move, key held", "held_bytes", "{:.0f}", "<= 1024, in view"),
    ("  held key scrolling", "held_scroll_bytes", "{:.0f}", "every row repaints"),
    ("chart loads after release", "loads_after_release", "{:.0f}", "<= 1 (50-row hold)"),
    ("bytes in 5 idle seconds", "idle_bytes", "{:.0f}", "0"),
    ("resident memory (MiB)", "rss_mib", "{:.0f}", "<= 1.5x bare"),
    ("  proportional (PSS, MiB)", "pss_mib", "{:.0f}", ""),
]


def print_table(
    url: str, pcc: dict[str, float], stack: dict[str, float], bare: dict[str, float]
) -> None:
    print(f"\npcc TUI benchmark, 80x24 pseudo-terminal, database: {url.split(':')[0]}")
    print(f"{'':30}{'pcc':>9}{'stack':>9}{'bare':>9}{'/stack':>8}{'/bare':>7}   target")
    for label, key, fmt, target in ROWS:
        by_stack = pcc[key] / stack[key] if stack[key] else float("nan")
        by_bare = pcc[key] / bare[key] if bare[key] else float("nan")
        if key == "floor_s":
            by_stack, by_bare = pcc[key] / stack["start_s"], pcc[key] / bare["start_s"]
        print(
            f"{label:30}{fmt.format(pcc[key]):>9}{fmt.format(stack[key]):>9}"
            f"{fmt.format(bare[key]):>9}{by_stack:>8.2f}{by_bare:>7.2f}   {target}"
        )
    print(
        "stack: Textual + SQLAlchemy ORM + pydantic, 200 rows of the same file in a DataTable\n"
        "bare: a Textual app with a 200-row DataTable; each app measured once, one after another"
    )


def print_switch_paint(held: dict[str, float], unheld: dict[str, float]) -> None:
    """A switch's move waits for its chart to paint with it (switch_paint_ms, default 40):
    then the move's time is the chart's. Beside it, pcc with the move painted at once."""
    print("\npcc, a patient switch painted as one (default) and the move painted at once (0)")
    print(f"{'':30}{'one':>9}{'at once':>9}")
    for label, key, fmt in (
        ("cursor move, median (ms)", "cursor_med_ms", "{:.1f}"),
        ("cursor move, p95 (ms)", "cursor_p95_ms", "{:.1f}"),
        ("chart painted, median (ms)", "chart_med_ms", "{:.1f}"),
        ("chart painted, p95 (ms)", "chart_p95_ms", "{:.1f}"),
        ("bytes per patient switch", "switch_bytes", "{:.0f}"),
    ):
        print(f"{label:30}{fmt.format(held[key]):>9}{fmt.format(unheld[key]):>9}")
    ratio = held["chart_p95_ms"] / unheld["cursor_p95_ms"]
    print(f"{'chart p95 / move-at-once p95':30}{ratio:>9.2f}{'':9}   target <= 2")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing pcc database (default: build 100k on SQLite)")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--user", default="alex")
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--slow-link", action="store_true", help="also run pcc at 64 kbit/s")
    args = parser.parse_args()
    url = args.db or build_database(args.patients, args.user)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(TERM="xterm-256color")
    pcc_argv = [sys.executable, "-m", "pcc_tui", "--db", url, "--user", args.user, "--no-mouse"]
    pcc = measure(pcc_argv, "..0", args.moves, env)
    stack = measure(
        [sys.executable, str(ROOT / "benchmarks" / "reference_stack_app.py"), url],
        "What is owed",
        args.moves,
        env,
    )
    bare = measure(
        [sys.executable, str(ROOT / "benchmarks" / "reference_app.py")],
        "AB ..0001",
        args.moves,
        env,
    )
    unheld = measure(pcc_argv, "..0", args.moves, {**env, "PCC_SWITCH_PAINT_MS": "0"})
    pcc["floor_s"] = stack["floor_s"] = bare["floor_s"] = stack_import_floor()
    print_table(url, pcc, stack, bare)
    print_switch_paint(pcc, unheld)
    if args.slow_link:
        slow = slow_link(pcc_argv, env)
        print(f"\npcc behind a {SLOW_LINK * 8 // 1000} kbit/s link (reads throttled), 80x24")
        print(f"{'exec to queue painted (s)':34}{slow['start_s']:>8.2f}")
        print(f"{'key to cursor row painted (s)':34}{slow['move_s']:>8.2f}")
        print(f"{'key to next patient settled (s)':34}{slow['switch_s']:>8.2f}   (its chart)")
        print(f"{'  bytes per switch':34}{slow['switch_bytes']:>8.0f}")
        print(f"{'n: note form settled (s)':34}{slow['form_s']:>8.2f}")
        print(f"{'F2: saved, screen settled (s)':34}{slow['save_s']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
