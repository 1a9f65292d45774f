"""`pcc audit verify|seal|anchor|keygen|who-viewed|user`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from pcc_tui.core.config import Settings
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(
    aud_sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[..., None],
    since: Callable[[str], object],
) -> None:
    check = aud_sub.add_parser("verify", help="check the sealed chain; exit 1 if broken")
    common(check)
    check.add_argument("--anchors", metavar="FILE", help="anchors kept outside the database")
    check.add_argument("--public-key", metavar="KEY", help="the sealer's public key (pinned)")
    seal = aud_sub.add_parser("seal", help="seal new audit rows into signed blocks")
    common(seal)
    seal.add_argument("--key", metavar="FILE", help="the sealer's private key file")
    seal.add_argument(
        "--follow", type=float, metavar="S", help="keep sealing every S seconds until stopped"
    )
    anchor = aud_sub.add_parser("anchor", help="append a signed checkpoint to a file")
    common(anchor)
    anchor.add_argument("--key", metavar="FILE", help="the sealer's private key file")
    anchor.add_argument("--out", metavar="FILE", help="the anchors file (kept elsewhere)")
    keygen = aud_sub.add_parser("keygen", help="make the sealer's key; prints its public key")
    keygen.add_argument("--out", metavar="FILE", required=True, help="where the key goes")
    viewed = aud_sub.add_parser("who-viewed", help="who viewed or exported a patient")
    common(viewed)
    viewed.add_argument("--patient", metavar="MRN", required=True)
    user = aud_sub.add_parser("user", help="everything one user did, sign-ins included")
    common(user)
    user.add_argument("name", metavar="NAME")
    for parser in (viewed, user):
        parser.add_argument("--since", type=since, metavar="DATE", help="default: 90 days back")
        parser.add_argument("--csv", action="store_true", help="CSV on stdout")


def cmd_verify(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    from pcc_tui.core.store.audit_seal import read_anchors
    from pcc_tui.core.store.audit_verify import verify

    anchors_path = args.anchors or settings.audit.anchors
    anchors = read_anchors(Path(anchors_path)) if anchors_path else []
    report = verify(
        store.engine,
        public_key=args.public_key or settings.audit.public_key,
        anchors=anchors,
        now=store.clock.now(),
    )
    tail = f"{report.unsealed:,} rows not sealed yet"
    if report.unsealed_age is not None:
        tail += f" (the oldest {_age(report.unsealed_age.total_seconds())} old)"
    if report.intact:
        print(
            f"audit chain intact: {report.rows_checked:,} sealed rows in"
            f" {report.blocks_checked:,} blocks; {tail}; {len(anchors)} anchors checked"
        )
        for note in report.notes:
            print(f"note: {note}")
        return 0
    print(f"audit chain broken at {report.position}: {report.problem}", file=sys.stderr)
    return 1


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _key(args: argparse.Namespace, settings: Settings) -> Path:
    found = args.key or settings.audit.signing_key
    if not found:
        raise DomainError("give the sealer's key: --key FILE or [audit] signing_key")
    return Path(found).expanduser()


def cmd_seal(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    from pcc_tui.core.store.audit_seal import load_signing_key, seal

    key = load_signing_key(_key(args, settings))
    stop = _stop_on_signals()
    while True:
        done = seal(store.engine, key)
        if done.blocks or not args.follow:
            print(f"sealed {done.rows:,} rows into {done.blocks:,} blocks", flush=True)
        if not args.follow or stop.wait(args.follow):
            return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def cmd_anchor(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    from pcc_tui.core.store.audit_seal import append_anchor, load_signing_key, make_anchor

    out = args.out or settings.audit.anchors
    if not out:
        raise DomainError("give the anchors file: --out FILE or [audit] anchors")
    anchor = make_anchor(store.engine, load_signing_key(_key(args, settings)))
    if anchor is None:
        raise DomainError("nothing is sealed yet: run `pcc audit seal` first")
    append_anchor(Path(out).expanduser(), anchor)
    print(f"anchored block {anchor.block} (row {anchor.last_seq}) at {anchor.at} in {out}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from pcc_tui.core.store.audit_seal import new_signing_key

    public = new_signing_key(Path(args.out).expanduser())
    print(f"wrote {args.out} (owner-only). Pin its public key in the config file:")
    print(f'[audit]\npublic_key = "{public}"')
    return 0


def cmd_review(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services.reports import run_report

    if args.audit_command == "who-viewed":
        report = run_report(store, actor, "who-viewed", since=args.since, patient_mrn=args.patient)
    else:
        report = run_report(store, actor, "user-activity", since=args.since, username=args.name)
    sys.stdout.write(report.as_csv() if args.csv else report.as_text() + "\n")
    return 0
