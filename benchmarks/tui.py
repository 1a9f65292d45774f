"""TUI benchmark: pcc in an 80x24 pseudo-terminal on the 100k-patient database, next to a
minimal Textual app with a 200-row DataTable. Prints a table; asserts nothing.

    python benchmarks/tui.py                       # builds a 100k SQLite database first
    python benchmarks/tui.py --db sqlite:///big.db --user alex

Measures: exec to queue painted; keystroke-to-paint latency (median/p95) for a cursor move
(5-row sweeps that stay inside both apps' views; 10-row sweeps and page-down scrolls are
printed beside) and for opening a chart (the chart loads 150 ms after the cursor settles);
bytes written per cursor move; bytes written in 5 idle seconds; resident memory.
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tui.pty_terminal import Terminal  # noqa: E402

QUIET = 0.05  # a paint is over when the program writes nothing for this long


def burst(term: Terminal, start: float, limit: float = 2.0) -> tuple[float, int]:
    """Read until the output goes quiet; return (seconds from `start` to the last byte, bytes)."""
    total, last = 0, start
    deadline = start + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([term.fd], [], [], QUIET)
        if not ready:
            if total:
                break
            continue
        data = os.read(term.fd, 65536)
        term.stream.feed(data)
        total += len(data)
        last = time.monotonic()
    return last - start, total


def quiet(term: Terminal, seconds: float) -> None:
    """Read until the program has written nothing for `seconds`."""
    while True:
        ready, _, _ = select.select([term.fd], [], [], seconds)
        if not ready:
            return
        term.stream.feed(os.read(term.fd, 65536))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(argv: list[str], ready_text: str, moves: int, env: dict[str, str]) -> dict[str, float]:
    t0 = time.monotonic()
    term = Terminal(argv, 80, 24, env)
    try:
        term.wait_for(ready_text, timeout=120)
        start = time.monotonic() - t0
        quiet(term, 1.0)

        def press(key: bytes) -> tuple[float, int, float, int]:
            t = time.monotonic()
            os.write(term.fd, key)
            lat, n = burst(term, t, limit=0.12)  # the cursor paint, before any debounced load
            lat2, n2 = burst(term, t, limit=1.5)  # then whatever the move triggers
            return lat, n, max(lat, lat2), n + n2

        down, up = b"\x1b[B", b"\x1b[A"  # both apps bind the arrows
        # Like for like: 5-row sweeps stay inside both views (pcc's queue shows about 8 rows
        # at 80x24, the reference's full-screen table 22), so neither app scrolls ...
        in_view = [press(down if (i // 5) % 2 == 0 else up) for i in range(moves)]
        # ... 10-row sweeps, the older figure: pcc's queue scrolls, the reference's does not ...
        sweeps = [press(down if (i // 10) % 2 == 0 else up) for i in range(moves)]
        # ... and page down, where both scroll a whole view.
        pages = [press(b"\x1b[6~") for _ in range(6)]
        cursor_lat = [r[0] for r in in_view]
        cursor_bytes = [r[1] for r in in_view]
        chart_lat = [r[2] for r in in_view]
        chart_bytes = [r[3] for r in in_view]
        sweep_lat = sorted(r[0] for r in sweeps)
        page_lat = sorted(r[0] for r in pages)
        rapid_start = time.monotonic()
        for _ in range(20):  # a held key: faster than the debounce
            os.write(term.fd, b"\x1b[B")
            time.sleep(0.03)
        _, rapid = burst(term, rapid_start, limit=3.0)
        quiet(term, 1.0)
        idle_start = time.monotonic()
        idle = 0
        while time.monotonic() - idle_start < 5.0:
            idle += term.read(0.2)
        rss = rss_kib(term.pid)
        term.press("q")
        return {
            "start_s": start,
            "cursor_med_ms": statistics.median(cursor_lat) * 1000,
            "cursor_p95_ms": sorted(cursor_lat)[int(len(cursor_lat) * 0.95) - 1] * 1000,
            "sweep_p95_ms": sweep_lat[int(len(sweep_lat) * 0.95) - 1] * 1000,
            "page_med_ms": statistics.median(page_lat) * 1000,
            "chart_med_ms": statistics.median(chart_lat) * 1000,
            "chart_p95_ms": sorted(chart_lat)[int(len(chart_lat) * 0.95) - 1] * 1000,
            "bytes_cursor": statistics.median(cursor_bytes),
            "bytes_move_with_chart": statistics.median(chart_bytes),
            "bytes_held_key_per_move": rapid / 20,
            "idle_bytes": idle,
            "rss_mib": rss / 1024,
        }
    finally:
        term.kill()


def stack_import_floor(runs: int = 5) -> float:
    """Seconds to start Python and import the stack pcc must use (Textual, SQLAlchemy ORM,
    pydantic) and nothing of pcc: no app can paint a database-backed queue sooner."""
    import subprocess

    code = "import textual.app, textual.widgets, sqlalchemy.orm, pydantic"
    best = float("inf")
    for _ in range(runs):
        t = time.monotonic()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.monotonic() - t)
    return best


def build_database(patients: int) -> str:
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
    return url


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing pcc database (default: build 100k on SQLite)")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--user", default="alex")
    parser.add_argument("--moves", type=int, default=40)
    args = parser.parse_args()
    url = args.db or build_database(args.patients)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(TERM="xterm-256color")
    pcc = measure(
        [sys.executable, "-m", "pcc_tui", "--db", url, "--user", args.user, "--no-mouse"],
        "..0",
        args.moves,
        env,
    )
    ref = measure(
        [sys.executable, str(ROOT / "benchmarks" / "reference_app.py")],
        "AB ..0001",
        args.moves,
        env,
    )
    floor = stack_import_floor()
    pcc["floor_s"] = ref["floor_s"] = floor
    rows = [
        ("exec to queue painted (s)", "start_s", "{:.2f}", "<= 1.3x reference"),
        ("  floor: import the stack (s)", "floor_s", "{:.2f}", "ratio: floor / reference start"),
        ("cursor move, median (ms)", "cursor_med_ms", "{:.1f}", ""),
        ("cursor move, p95 (ms)", "cursor_p95_ms", "{:.1f}", "<= 1.2x reference"),
        ("  10-row sweeps, p95 (ms)", "sweep_p95_ms", "{:.1f}", "pcc scrolls, reference not"),
        ("  page down, median (ms)", "page_med_ms", "{:.1f}", "both scroll a view"),
        ("open chart, median (ms)", "chart_med_ms", "{:.1f}", "incl. 150 ms debounce"),
        ("open chart, p95 (ms)", "chart_p95_ms", "{:.1f}", ""),
        ("bytes per cursor move", "bytes_cursor", "{:.0f}", "<= 1 KB"),
        ("bytes per move + chart load", "bytes_move_with_chart", "{:.0f}", ""),
        ("bytes per move, key held", "bytes_held_key_per_move", "{:.0f}", ""),
        ("bytes in 5 idle seconds", "idle_bytes", "{:.0f}", "0"),
        ("resident memory (MiB)", "rss_mib", "{:.0f}", ""),
    ]
    print(f"\npcc TUI benchmark, 80x24 pseudo-terminal, database: {url.split(':')[0]}")
    print(f"{'':32}{'pcc':>12}{'reference':>12}{'ratio':>8}   target")
    for label, key, fmt, target in rows:
        ratio = pcc[key] / ref[key] if ref[key] else float("nan")
        if key == "floor_s":
            ratio = floor / ref["start_s"]
        print(
            f"{label:32}{fmt.format(pcc[key]):>12}{fmt.format(ref[key]):>12}"
            f"{ratio:>8.2f}   {target}"
        )
    print("reference: a minimal Textual app with a 200-row DataTable (benchmarks/reference_app.py)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
