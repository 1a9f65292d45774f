"""Host benchmark: N cockpits in pseudo-terminals on one database, as N coordinators on one
SSH host. Prints a table; asserts nothing.

    python benchmarks/host.py                      # 50 sessions on a new 2,000-patient file
    python benchmarks/host.py --db sqlite:///big.db --user alex --sessions 50 --idle 30

Every session signs in as `--user` (bound to this OS login, as the benchmark database is);
each starts, paints its queue, opens its first patient, and is then left alone. Over `--idle`
seconds the benchmark reads each process's CPU time (/proc/PID/stat), its wake-ups (context
switches of all its threads) and the bytes it writes; then its memory: RSS and PSS (shared
pages split between the processes sharing them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tui import build_database  # noqa: E402
from benchmarks.tui_probe import pss_kib, rss_kib  # noqa: E402
from tests.tui.pty_terminal import Terminal  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` (/proc/PID/stat fields 14 and 15), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wakeups(pid: int) -> int:
    """Context switches of all the process's threads: each is a wake-up or a preemption."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except OSError:
            continue  # a thread that ended meanwhile
    return total


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an existing pcc database (default: 2,000 patients)")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--user", default="alex")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds left alone")
    args = parser.parse_args()
    url = args.db or build_database(args.patients, args.user)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(TERM="xterm-256color")
    argv = [sys.executable, "-m", "pcc_tui", "--db", url, "--user", args.user, "--no-mouse"]
    terms: list[Terminal] = []
    starts: list[float] = []
    try:
        for i in range(args.sessions):
            t0 = time.monotonic()
            term = Terminal(argv, 80, 24, env)
            terms.append(term)
            term.wait_for("..0", timeout=120)
            starts.append(time.monotonic() - t0)
            print(f"\r{i + 1}/{args.sessions} sessions up", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        time.sleep(3.0)  # past the first chart load and the first feed poll
        for term in terms:
            term.read(0.01)
        cpu0 = [cpu_seconds(t.pid) for t in terms]
        wake0 = [wakeups(t.pid) for t in terms]
        bytes0 = [t.bytes_read for t in terms]
        end = time.monotonic() + args.idle
        while time.monotonic() < end:  # keep draining: a full pty would stall a writer
            for term in terms:
                term.read(0.0)
            time.sleep(0.5)
        cpu = [(cpu_seconds(t.pid) - c) / args.idle * 100 for t, c in zip(terms, cpu0, strict=True)]
        wake = [(wakeups(t.pid) - w) / args.idle for t, w in zip(terms, wake0, strict=True)]
        written = [t.bytes_read - b for t, b in zip(terms, bytes0, strict=True)]
        rss = [rss_kib(t.pid) / 1024 for t in terms]
        pss = [pss_kib(t.pid) / 1024 for t in terms]
    finally:
        for term in terms:
            term.kill()
    n = len(terms)
    kind = url.split(":")[0]
    print(f"\n{n} pcc sessions in 80x24 pseudo-terminals on one host; database: {kind}")
    print(f"idle {args.idle:.0f} s per session, after queue painted and first patient open")
    print(f"{'':34}{'median':>10}{'max':>10}{'total':>10}   target")
    rows = [
        ("start to queue painted (s)", starts, "{:.2f}", False, ""),
        ("resident memory, RSS (MiB)", rss, "{:.0f}", True, ""),
        ("proportional, PSS (MiB)", pss, "{:.0f}", True, ""),
        ("CPU while idle (%)", cpu, "{:.2f}", True, "0 a session"),
        ("wake-ups while idle (/s)", wake, "{:.1f}", True, "lock/feed timers only"),
        ("bytes written while idle", written, "{:.0f}", True, "0"),
    ]
    for label, values, fmt, total, target in rows:
        whole = fmt.format(sum(values)) if total else ""
        print(
            f"{label:34}{fmt.format(statistics.median(values)):>10}"
            f"{fmt.format(max(values)):>10}{whole:>10}   {target}"
        )
    print(f"this host: {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
