"""HL7 v2 intake throughput: a backlog burst of ADT and SIU messages (an interface engine
catching up after an outage) through `pcc listen hl7`, sent by python-hl7's MLLPClient with
one ACK awaited per message, and the same burst through `pcc import hl7` from a file.

Messages are made from the MIT samples in fixtures/hl7v2 (Microsoft's A01, A02, A03, S12,
S26), each patient given a new MRN, visit and appointment, each message a new control id;
fsync on, audit on. After the burst one client is cut off and re-sends its last messages:
they must be acknowledged as duplicates, not applied again. Prints a table.

    python benchmarks/hl7_intake.py [--messages 100000] [--clients 8] [--backends sqlite,postgresql]

`--clients 1,8,32` runs the listener once per number of connections (a row each).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from hl7.client import MLLPClient
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_databases import databases  # noqa: E402
from tests.hl7_builders import start_listener  # noqa: E402

from pcc_tui.core.store.engine import make_engine  # noqa: E402
from pcc_tui.core.store.migrate import upgrade  # noqa: E402

SAMPLES = ROOT / "fixtures" / "hl7v2" / "microsoft_FHIR-Converter"
SEQUENCE = (
    "ADT-A01-01.hl7",
    "ADT-A02-01.hl7",
    "ADT-A03-01.hl7",
    "SIU-S12-01.hl7",
    "SIU-S26-01.hl7",
)
TARGET_PER_S = 330


def templates() -> list[str]:
    out = []
    for name in SEQUENCE:
        raw = (SAMPLES / name).read_bytes().decode()
        out.append(raw.replace("\r\n", "\r").replace("\n", "\r").strip("\r"))
    return out


def burst(n: int) -> list[list[str]]:
    """Messages grouped per patient (one patient's messages stay in order on one client)."""
    base = templates()
    patients: list[list[str]] = []
    i = 0
    while i < n:
        p = len(patients)
        msgs = []
        for template in base[: min(len(base), n - i)]:
            m = template.replace("PATID1234", f"B{p:07d}").replace(
                "SCH|12345|36996", f"SCH|A{p}|A{p}"
            )
            m = re.sub(r"^(MSH\|(?:[^|]*\|){8})[^|]*", rf"\g<1>BENCH{i:07d}", m, count=1)
            m = re.sub(r"(PV1\|(?:[^|]*\|){18})[^|]*", rf"\g<1>V{p}", m, count=1)
            msgs.append(m)
            i += 1
        patients.append(msgs)
    return patients


def send_all(port: int, per_client: list[list[str]]) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()

    def client(messages: list[str]) -> None:
        nonlocal refused
        mine: list[float] = []
        bad = 0
        with MLLPClient("127.0.0.1", port) as c:
            for m in messages:
                t0 = time.perf_counter()
                ack = c.send_message(m)
                mine.append(time.perf_counter() - t0)
                if b"MSA|AA|" not in (ack if isinstance(ack, bytes) else str(ack).encode()):
                    bad += 1
        with lock:
            latencies.extend(mine)
            refused += bad

    threads = [threading.Thread(target=client, args=(msgs,)) for msgs in per_client]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, refused


def counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            applied = conn.execute(
                text("SELECT count(*) FROM hl7_message WHERE outcome = 'AA'")
            ).scalar_one()
            dupes = conn.execute(
                text("SELECT count(*) FROM hl7_message WHERE outcome = 'duplicate'")
            ).scalar_one()
            unique = conn.execute(
                text("SELECT count(DISTINCT control_id) FROM hl7_message WHERE outcome = 'AA'")
            ).scalar_one()
        return int(applied), int(dupes), int(unique)
    finally:
        engine.dispose()


def run_listener(
    url: str, patients: list[list[str]], clients: int, resend: int
) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    per_client: list[list[str]] = [[] for _ in range(clients)]
    for n, msgs in enumerate(patients):
        per_client[n % clients].extend(msgs)
    total = sum(len(m) for m in per_client)
    proc, port = start_listener(url, Path("/nonexistent/pcc.toml"))
    try:
        seconds, latencies, refused = send_all(port, per_client)
        # A forced disconnect, then the interface engine re-sends what it is unsure of.
        again = per_client[0][-resend:]
        _, _, r_refused = send_all(port, [again])
    finally:
        proc.terminate()
        proc.wait(timeout=120)
    applied, dupes, unique = counts(url)
    latencies.sort()
    return {
        "messages": total,
        "per_s": total / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "refused": refused + r_refused,
        "lost": total - applied,
        "twice": applied - unique,
        "resent": len(again),
        "duplicates": dupes,
        "seconds": seconds,
    }


def run_import(url: str, patients: list[list[str]]) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="pcc-hl7-") as folder:
        path = Path(folder) / "backlog.hl7"
        with path.open("w", encoding="utf-8", newline="") as fh:
            for msgs in patients:
                for m in msgs:
                    fh.write(m.replace("\r", "\n") + "\n")
        env = {**os.environ, "PCC_DATABASE_URL": url, "PCC_CONFIG": "/nonexistent/pcc.toml"}
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pcc_tui", "import", "hl7", str(path)],
            capture_output=True,
            text=True,
            env=env,
        )
        seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr[-2000:])
    applied, _, unique = counts(url)
    total = sum(len(m) for m in patients)
    return {
        "messages": total,
        "per_s": total / seconds,
        "lost": total - applied,
        "twice": applied - unique,
        "seconds": seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument(
        "--clients", default="8", help="MLLP connections sending at once (a comma list: a row each)"
    )
    ap.add_argument("--resend", type=int, default=1000, help="re-sent after the disconnect")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-url", help="an existing empty database (else a throwaway cluster)")
    args = ap.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    patients = burst(args.messages)
    print(
        f"{args.messages:,} messages ({len(patients):,} patients: A01 A02 A03 S12 S26 each),"
        f" {args.clients} MLLP clients, one ACK awaited per message; fsync on, audit on;"
        f" {os.cpu_count()} CPUs shared by clients, listener and database\n"
    )
    head = f"{'database':10} {'path':9} {'clients':>7} {'msgs/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
    head += f" {'time s':>7} {'lost':>5} {'twice':>6} {'re-sent':>8} {'as dup.':>8}"
    print(head + f" {'refused':>8}")
    for backend, url in databases(args.backends, args.pg_url):
        for n, count in enumerate(clients):
            if n:
                _drop(url)
            r = run_listener(url, patients, count, args.resend)
            print(
                f"{backend:10} {'listener':9} {count:>7} {r['per_s']:>8.0f} {r['p50_ms']:>7.1f}"
                f" {r['p95_ms']:>7.1f} {r['seconds']:>7.0f} {r['lost']:>5} {r['twice']:>6}"
                f" {r['resent']:>8} {r['duplicates']:>8} {r['refused']:>8}",
                flush=True,
            )
        _drop(url)
        i = run_import(url, patients)
        print(
            f"{backend:10} {'file':9} {'':>7} {i['per_s']:>8.0f} {'':>7} {'':>7}"
            f" {i['seconds']:>7.0f} {i['lost']:>5} {i['twice']:>6}",
            flush=True,
        )
    print(
        f"\ntarget: a 100,000-message backlog in under 5 minutes (>= {TARGET_PER_S} msgs/s);"
        " lost 0; twice 0; every re-sent message acknowledged as a duplicate"
    )


def _drop(url: str) -> None:
    """Empty the database for the next run (the same URL, a fresh schema)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
