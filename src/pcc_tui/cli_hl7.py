"""`pcc import hl7`, `pcc listen hl7`, `pcc hl7 log`, `pcc hl7 replay`: HL7 v2 from the hospital.

The intake writes for every ward, so it runs on the database's own login (the schema owner
on PostgreSQL, like `pcc db upgrade`), never a person's; its audit rows name it
"hl7-intake". Nothing printed here quotes a message: ids, types, outcomes and fields only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcc_tui.core.config import Settings, os_user
from pcc_tui.core.errors import PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store

if TYPE_CHECKING:
    from pcc_tui.core.services.hl7_intake import Intake

PORT = 2575
IMPORT_BATCH = 200


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    imp_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[..., None],
) -> None:
    files = imp_sub.add_parser("hl7", help="HL7 v2 messages (ADT, SIU) from files or folders")
    common(files)
    files.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    listen = sub.add_parser("listen", help="receive hospital feeds")
    listen_sub = listen.add_subparsers(dest="listen_command", metavar="FEED", required=True)
    mllp = listen_sub.add_parser(
        "hl7", help="an MLLP listener for HL7 v2 (ADT, SIU); loopback unless told otherwise"
    )
    common(mllp)
    mllp.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    mllp.add_argument("--port", type=int, default=PORT, help=f"port (default {PORT}; 0: any)")
    mllp.add_argument(
        "--allow-remote",
        action="store_true",
        help="bind to a non-loopback address: the feed carries patient data in the clear,"
        " so only on a network you trust or behind a TLS tunnel (see the README)",
    )

    hl7 = sub.add_parser("hl7", help="the HL7 v2 intake log")
    hl7_sub = hl7.add_subparsers(dest="hl7_command", metavar="ACTION", required=True)
    log = hl7_sub.add_parser("log", help="messages received and what became of them")
    common(log)
    log.add_argument("--failed", action="store_true", help="only refused (AE, AR) and held ones")
    log.add_argument("--limit", type=int, default=50, help="newest N (default 50)")
    replay = hl7_sub.add_parser("replay", help="run a refused or held message again")
    common(replay)
    replay.add_argument("id", type=int, help="its number in `pcc hl7 log`")


def intake_actor(store: Store) -> Actor:
    if store.person:
        raise PccError(
            "the HL7 intake writes for every ward: run it on the schema owner's login (the"
            " database URL `pcc db upgrade` uses), not a person's"
        )
    who = store.login or os_user() or "local"
    return Actor(f"hl7-intake:{who}"[:64], None, "admin", "HL7 intake")


def _intake(store: Store) -> Intake:
    from pcc_tui.core.libraries import TemplateFileError
    from pcc_tui.core.services.hl7_intake import Intake, event_rules_and_pathways

    try:
        rules, pathways = event_rules_and_pathways()
    except TemplateFileError as exc:
        raise PccError(f"event rules refused: {exc}") from None
    intake = Intake(store, intake_actor(store), rules, pathways)
    _long_running_gc()
    return intake


def _long_running_gc() -> None:
    """An intake allocates a few hundred short-lived objects per message (parsed segments,
    ORM rows): with the start-up heap frozen out of the collector and a larger first
    generation, collections stop costing about a tenth of each message's time."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def cmd_import(args: argparse.Namespace, store: Store) -> int:
    from pcc_tui.core.interop.hl7_files import expand, read_messages
    from pcc_tui.core.services.hl7_intake import Received

    intake = _intake(store)
    started = time.perf_counter()
    files, missing = expand(args.paths)
    for problem in missing:
        print(f"pcc: {problem}", file=sys.stderr)
    counts: Counter[str] = Counter()
    for path in files:
        batch: list[Received] = []
        number = 0
        for text in read_messages(path):
            number += 1
            batch.append(Received(text, store.clock.now()))
            if len(batch) >= IMPORT_BATCH:
                _apply(intake, path, number, batch, counts)
        if batch:
            _apply(intake, path, number, batch, counts)
        counts["files"] += 1
    refused = counts["AE"] + counts["AR"]
    messages = sum(v for k, v in counts.items() if k != "files")
    seconds = time.perf_counter() - started
    print(
        f"files {counts['files']}, messages {messages}: applied {counts['AA']},"
        f" held {counts['held']}, duplicates {counts['duplicate']},"
        f" ignored {counts['ignored']}, refused {refused};"
        f" {seconds:.1f} s"
    )
    return 1 if refused or missing else 0


def _apply(intake: Any, path: Path, last: int, batch: list[Any], counts: Counter[str]) -> None:
    """One commit for the batch; refusals named by file, message number and log id."""
    first = last - len(batch) + 1
    for n, result in enumerate(intake.apply(batch), start=first):
        counts[result.outcome] += 1
        if result.code != "AA":
            where = f" {result.where}" if result.where else ""
            print(
                f"pcc: {path}: message {n} (log {result.log_id}): {result.code}{where}:"
                f" {result.reason}",
                file=sys.stderr,
            )
    batch.clear()


def cmd_listen(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from pcc_tui.core.interop.mllp_listener import Listener, is_loopback
    from pcc_tui.core.services.hl7_intake import Received

    if not is_loopback(args.host) and not args.allow_remote:
        raise PccError(
            f"{args.host} is not a loopback address: the feed carries patient data; add"
            " --allow-remote only on a trusted network or behind a TLS tunnel"
        )
    intake = _intake(store)
    clock = store.clock
    listener = Listener(
        intake.apply,
        lambda text: Received(text, clock.now()),
        host=args.host,
        port=args.port,
        max_frame_bytes=settings.hl7.max_frame_bytes,
        idle_timeout=settings.hl7.idle_timeout_seconds,
        batch_max=settings.hl7.batch_max,
        gather=settings.hl7.gather_ms / 1000,
        now_text=lambda: clock.now().strftime("%Y%m%d%H%M%S+0000"),
    )

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            port = await listener.start()
        except OSError as exc:
            raise PccError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        print(f"listening for HL7 v2 (MLLP) on {args.host}:{port}", flush=True)
        await stop.wait()
        await listener.stop()

    asyncio.run(serve())
    c = listener.counts
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(c.by_outcome.items())) or "none"
    print(
        f"stopped: {c.connections} connections, {c.frames} messages ({outcomes}); closed"
        f" {c.closed_idle} idle, {c.closed_oversize} oversize, {c.closed_mid_frame} mid-frame",
        flush=True,
    )
    return 0


def cmd_log(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services.intake_log import read_log

    entries = read_log(store, actor, failed=args.failed, limit=max(1, min(args.limit, 10_000)))
    if not entries:
        print("no messages" + (" refused or held" if args.failed else ""))
        return 0
    head = f"{'id':>6}  {'received (UTC)':16}  {'type':8}  {'outcome':9}  {'control id':20}"
    print(f"{head}  sender / why")
    for e in entries:
        why = f"{e.error_where + ': ' if e.error_where else ''}{e.error}" if e.error else e.sender
        print(
            f"{e.id:>6}  {e.received_at:%Y-%m-%d %H:%M}  {e.message_type:8}  {e.outcome:9}  "
            f"{e.control_id[:20]:20}  {why}"
        )
    return 0


def cmd_replay(args: argparse.Namespace, store: Store) -> int:

    intake = _intake(store)
    try:
        result = intake.replay(args.id)
    except (LookupError, ValueError) as exc:
        raise PccError(str(exc)) from None
    where = f" {result.where}" if result.where else ""
    print(
        f"message {args.id}: {result.outcome}{where}"
        + (f": {result.reason}" if result.reason else "")
    )
    return 0 if result.code == "AA" else 1
