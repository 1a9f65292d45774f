"""`pcc sync fhir` (and `keygen`): the EHR's Bulk Data export into pcc, on a person's login,
authorised by SMART Backend Services. Nothing printed quotes the data: counts, types, ids of
files, and the server's status codes only. Secrets never go on the command line: the key is
a file named in the config."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pcc_tui.core.config import Settings
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[..., None],
) -> None:
    sync = sub.add_parser("sync", help="bring records in from the EHR (FHIR Bulk Data)")
    sync_sub = sync.add_subparsers(dest="sync_command", metavar="SOURCE", required=True)
    fhir = sync_sub.add_parser(
        "fhir", help="a Bulk Data export of the EHR, since the last one ([ehr] in the config)"
    )
    common(fhir)
    fhir.add_argument("--full", action="store_true", help="everything, not only what changed")
    fhir.add_argument("--watch", action="store_true", help="repeat every [ehr] interval_minutes")
    fhir.add_argument(
        "--allow-partial",
        action="store_true",
        help="move the high-water mark even when resources were left out",
    )
    actions = fhir.add_subparsers(dest="fhir_action", metavar="ACTION")
    keygen = actions.add_parser("keygen", help="make pcc's key pair; print the JWKS to register")
    keygen.add_argument("--alg", choices=("ES384", "RS384"), default="ES384")
    keygen.add_argument("--key", type=Path, help="where to keep the private key ([ehr] key_file)")
    keygen.add_argument(
        "--show", action="store_true", help="print the JWKS of the key pcc already has"
    )


def default_key_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("pcc-tui")) / "ehr-key.pem"


def cmd_keygen(args: argparse.Namespace, settings: Settings) -> int:
    from pcc_tui.core.interop.smart_auth import generate_key, jwks, load_key

    path = (args.key or Path(settings.ehr.key_file or default_key_path())).expanduser()
    if not args.show:
        generate_key(path, args.alg)
    key = load_key(path)
    print(json.dumps(jwks(key), indent=2))
    print(
        f"\nprivate key: {path} (owner only; never share it)\n"
        f"register the key set above with the EHR, then set in the config:\n"
        f'  [ehr]\n  key_file = "{path}"\n  client_id = "...as the EHR issued it..."',
        file=sys.stderr,
    )
    return 0


def cmd_sync(args: argparse.Namespace, store: Store, actor: Actor, settings: Settings) -> int:
    stop = threading.Event()
    if args.watch:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while True:
        code = _once(args, store, actor, settings)
        if not args.watch:
            return code
        # A failed run is retried at the next interval; the mark did not move.
        if stop.wait(settings.ehr.interval_minutes * 60):
            return code


def _once(args: argparse.Namespace, store: Store, actor: Actor, settings: Settings) -> int:
    import httpx
    from platformdirs import user_state_dir

    from pcc_tui.core.services.fhir_run import Tally
    from pcc_tui.core.services.fhir_sync import client_for, sync

    ehr = settings.ehr
    tally = Tally(lambda line: print(line, file=sys.stderr))
    shown = _Progress()
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=False) as http:
        client = client_for(http, ehr, now=store.clock.now)
        try:
            result = sync(
                store,
                actor,
                ehr,
                client,
                tally,
                full=args.full,
                work=Path(user_state_dir("pcc-tui")) / "sync",
                progress=shown.export,
                downloaded=shown.files,
                allow_partial=args.allow_partial,
            )
        finally:
            shown.end()
    since = result.since or "the beginning (a full export)"
    print(
        f"synced from {ehr.base_url} since {since}: {result.files} files,"
        f" {result.bytes / 1e6:.1f} MB, voided {result.voided} deleted;"
        f" high-water mark {'now ' + result.transaction_time if result.advanced else 'kept'}"
    )
    print(tally.summary(result.seconds))
    if tally.failed:
        return 1
    return 1 if tally.left_out and not args.allow_partial else 0


class _Progress:
    """A one-line bar with an ETA on a terminal; a line per stage otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.said_export = False

    def export(self, words: str | None, fraction: float | None) -> None:
        if not self.tty:
            if not self.said_export:
                print("pcc: the EHR is preparing the export...", file=sys.stderr)
                self.said_export = True
            return
        self._bar("export", fraction, "")

    def files(self, done: int, total: int) -> None:
        if self.tty:
            self._bar("download", done / max(total, 1), f" {done}/{total} files")
        elif done == total:
            print(f"pcc: downloaded {total} files", file=sys.stderr)

    def _bar(self, stage: str, fraction: float | None, extra: str) -> None:
        elapsed = time.monotonic() - self.started
        if fraction is None or fraction <= 0:
            eta = "?"
        else:
            eta = _clock(elapsed * (1 - fraction) / fraction)
        cells = int(20 * (fraction or 0))
        print(
            f"\r  {stage:8} [{'#' * cells}{'.' * (20 - cells)}]{extra} ETA {eta}   ",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def end(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def run(
    args: argparse.Namespace,
    settings_of: Callable[[argparse.Namespace], Settings],
    run_as_user: Callable[..., int],
) -> int:
    """Dispatch: keygen needs no database; a sync signs the person in."""
    settings = settings_of(args)
    if args.fhir_action == "keygen":
        return cmd_keygen(args, settings)

    def command(a: argparse.Namespace, store: Store, actor: Actor) -> int:
        return cmd_sync(a, store, actor, settings)

    return run_as_user(args, command, creates=True)
