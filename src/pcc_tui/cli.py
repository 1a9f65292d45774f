"""`pcc`: run the cockpit, and the maintenance commands scripts rely on.

Every failure a user can cause (bad URL, unreachable database, schema behind, unknown user)
is one line on stderr and exit status 2, never a traceback. Messages carry no patient data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

from pcc_tui import (
    __version__,
    cli_audit,
    cli_config,
    cli_export,
    cli_hl7,
    cli_import,
    cli_report,
    cli_sync,
    cli_users,
)
from pcc_tui.cli_first_run import (
    create_schema,
    offer_first_account,
    prepare_sqlite,
    print_demo_accounts,
    sqlite_path,
)
from pcc_tui.cli_signin import lock_method, open_signed_in, read_secret, sign_in_sqlite
from pcc_tui.core.config import Settings, config_path, default_database_url, load_settings
from pcc_tui.core.errors import PccError
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Policy, Store
from pcc_tui.core.store.engine import make_engine, tls_warning
from pcc_tui.core.store.files import private_folder
from pcc_tui.core.store.migrate import current_revision, head_revision, upgrade

EXIT_USAGE = 2


MAX_SEED = 1_000_000


def _patients(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:20]!r}") from None
    if not 1 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_SEED:,}")
    return n


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL (sqlite:///FILE or postgresql://...); env PCC_DATABASE_URL",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="acting coordinator; env PCC_USER; default: your OS user name",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcc",
        description="Patient care coordination cockpit. Without a command, runs the TUI.",
        # Not re-wrapped: the path stays whole on one line, to copy.
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"config file: {config_path()}"
        + ("" if config_path().exists() else "\n(none yet: `pcc config init` writes a sample)"),
    )
    parser.add_argument("--version", action="version", version=f"pcc {__version__}")
    _common(parser)
    parser.add_argument(
        "--demo", action="store_true", help="run on a fresh demo ward in a temporary database"
    )
    parser.add_argument("--no-mouse", action="store_true", help="ignore the mouse (thin clients)")
    parser.add_argument("--ascii", action="store_true", help="ASCII marks and borders only")
    parser.add_argument(
        "--theme",
        choices=["dark", "light", "high-contrast", "ansi"],
        help="dark, light, high-contrast or ansi (16 colours)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, text in (
        ("upgrade", "migrate the schema to this version"),
        ("current", "print the schema revision"),
    ):
        _common(db_sub.add_parser(name, help=text))

    demo = sub.add_parser("demo", help="synthetic demo data")
    demo_sub = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    seed = demo_sub.add_parser("seed", help="fill an empty database with a demo caseload")
    _common(seed)
    seed.add_argument(
        "--patients",
        type=_patients,
        default=60,
        help=f"how many patients (default 60, at most {MAX_SEED:,})",
    )
    seed.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    seed.add_argument(
        "--password-stdin",
        action="store_true",
        help="give every demo account this password (asked, or one line of stdin); on"
        " PostgreSQL each gets its own login",
    )

    aud = sub.add_parser("audit", help="the audit trail")
    aud_sub = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    cli_audit.add_commands(aud_sub, _common, cli_report.parse_date)
    cli_users.add_commands(sub, _common)
    cli_export.add_commands(sub, _common)
    cli_report.add_commands(sub, _common)
    imp_sub = cli_import.add_commands(sub, _common)
    cli_hl7.add_commands(sub, imp_sub, _common)
    cli_sync.add_commands(sub, _common)
    cli_config.add_commands(sub, _common)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(
        database_url=getattr(args, "db", None), user=getattr(args, "user", None)
    )
    warning = tls_warning(settings.database_url)
    if warning:
        print(f"pcc: {warning}", file=sys.stderr)
    return settings


def _policy(settings: Settings) -> Policy:
    values = settings.policy.model_dump()
    return Policy(
        **values
        | {k: tuple(values[k]) for k in ("closures", "mrn_authorities", "break_glass_roles")}
    )


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.db_command == "upgrade":
        path = sqlite_path(settings.database_url)
        if path is not None and settings.database_url == default_database_url():
            private_folder(path.parent)  # pcc's own folder, owner-only (0700)
    else:
        prepare_sqlite(settings.database_url, create=False)
    engine = make_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            upgrade(engine)
            print(f"schema at revision {current_revision(engine)}")
        else:
            print(f"{current_revision(engine) or 'none'} (this pcc: {head_revision()})")
    finally:
        engine.dispose()
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from pcc_tui.core.demo.seed import seed_demo

    settings = _settings(args)
    password = None
    if args.password_stdin:  # asked first: a bad one refuses before anything is written
        password = accounts.check_password(read_secret("Password for the demo accounts: "))
    prepare_sqlite(settings.database_url, create=True)
    store = Store.open(settings.database_url, policy=_policy(settings))
    try:

        def progress(done: int, total: int) -> None:
            if total >= 5000 and sys.stderr.isatty():
                print(f"\r  {done:,}/{total:,} patients", end="", file=sys.stderr, flush=True)

        report = seed_demo(store, patients=args.patients, seed=args.seed, progress=progress)
        if password:
            seeder = Actor(store.login or "pcc-demo", None, "admin", "demo seeding")
            names = [a.username for a in report.accounts]
            accounts.give_passwords(store, seeder, names, password)
    finally:
        store.close()
    if args.patients >= 5000 and sys.stderr.isatty():
        print(file=sys.stderr)
    rows = sum(report.counts.values())
    print(
        f"seeded {report.counts.get('patient', 0):,} patients, "
        f"{report.counts.get('plan_step', 0):,} plan steps, "
        f"{report.counts.get('appointment', 0):,} appointments "
        f"({rows:,} rows) in {report.seconds:.1f} s"
    )
    print_demo_accounts(report.accounts, settings.database_url, bool(password))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.audit_command == "keygen":
        return cli_audit.cmd_keygen(args)
    commands = {
        "verify": cli_audit.cmd_verify,
        "seal": cli_audit.cmd_seal,
        "anchor": cli_audit.cmd_anchor,
    }
    if args.audit_command in commands:
        settings = _settings(args)
        prepare_sqlite(settings.database_url, create=False)
        store = Store.open(settings.database_url)
        try:
            return commands[args.audit_command](store, settings, args)
        finally:
            store.close()
    return run_as_user(args, cli_audit.cmd_review)


def cmd_user(args: argparse.Namespace) -> int:
    settings = _settings(args)
    prepare_sqlite(settings.database_url, create=args.user_command == "add")
    return cli_users.cmd_user(args, settings, _policy(settings))


def run_as_user(
    args: argparse.Namespace, command: Callable[..., int], *, creates: bool = False
) -> int:
    """Sign the user in (on their own connection), run a command that reads or exports (or,
    `creates`, one that may fill a new local database: imports)."""
    settings = _settings(args)
    prepare_sqlite(settings.database_url, create=creates)
    store, actor = open_signed_in(settings, _policy(settings))
    try:
        return command(args, store, actor)
    finally:
        store.close()


def run_intake(args: argparse.Namespace, command: Callable[..., int]) -> int:
    """The HL7 intake's commands: on the database's own login (no person signs in); a new
    local file gets its schema."""
    settings = _settings(args)
    prepare_sqlite(settings.database_url, create=True)
    store = Store.open(settings.database_url, policy=_policy(settings))
    try:
        if command is cli_hl7.cmd_listen:
            return command(args, store, settings)
        return command(args, store)
    finally:
        store.close()


def cmd_tui(args: argparse.Namespace) -> int:
    settings = _settings(args)
    demo_dir: str | None = None
    try:
        if args.demo:
            from pcc_tui.core.demo.seed import seed_demo

            demo_dir = tempfile.mkdtemp(prefix="pcc-demo-")
            url = f"sqlite:///{Path(demo_dir) / 'demo.db'}"
            create_schema(url)
            store = Store.open(url, policy=_policy(settings))
            seed_demo(store)
        else:
            url = settings.database_url
            prepare_sqlite(url, create=True)  # a new local file: its schema, made here
            store = None
        from pcc_tui.tui.keys import KeymapError, check_keymap

        try:
            check_keymap(settings.keymap)
        except KeymapError as exc:
            raise PccError(f"{config_path()}: {exc}") from None
        if store is None:
            store, actor = open_signed_in(
                settings, _policy(settings), url=url, first_run=offer_first_account
            )
        else:
            actor = sign_in_sqlite(store, settings, demo=True)
        try:
            from pcc_tui.tui.app import PccApp, SessionRules, crash_notice

            mouse = settings.mouse and not args.no_mouse
            app = PccApp(
                store,
                actor,
                mouse=mouse,
                ascii_only=args.ascii or settings.ascii,
                theme=args.theme or settings.theme,
                keymap=settings.keymap,
                mask=settings.patient_mask,
                switch_paint_ms=settings.switch_paint_ms,
                rounds_checklist=settings.rounds_checklist,
                session=SessionRules.from_settings(
                    settings.auth, lock_method(store, settings, actor, args.demo)
                ),
                demo=args.demo,
            )
            try:
                app.run(mouse=mouse)
            finally:
                clear_terminal()
                _signed_out(store, actor, app.end_reason)
            if app.crash is not None:
                # After the terminal is restored, so the notice stays readable.
                print(crash_notice(app.crash, bool(os.environ.get("PCC_DEBUG"))), file=sys.stderr)
                return EXIT_USAGE
            return app.return_code or 0
        finally:
            store.close()
    finally:
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)


def _signed_out(store: Store, actor: Actor, reason: str) -> None:
    """Audit the sign-out and leave the presence list (offline: the row goes stale)."""
    from pcc_tui.core.services.accounts import record_session_event
    from pcc_tui.core.services.presence import announce

    with suppress(PccError):
        announce(store, actor, None)
        record_session_event(store, actor, "logout", reason=reason)


def clear_terminal() -> None:
    """Leave nothing of the session on screen or in the terminal's scrollback."""
    with suppress(OSError, ValueError):  # a hung-up terminal (SIGHUP) takes no more output
        if sys.stdout.isatty():
            sys.stdout.write("\x1b[H\x1b[2J\x1b[3J")
            sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "db":
            return cmd_db(args)
        if args.command == "demo":
            return cmd_demo_seed(args)
        if args.command == "audit":
            return cmd_audit(args)
        if args.command == "user":
            return cmd_user(args)
        if args.command == "config":
            return cli_config.cmd_config(args)
        if args.command == "report":
            if args.list:
                return cli_report.list_reports()
            if not args.name:
                parser.error("name a report, or --list")
            return run_as_user(args, cli_report.cmd_report)
        if args.command == "import" and args.import_command == "hl7":
            return run_intake(args, cli_hl7.cmd_import)
        if args.command == "listen":
            return run_intake(args, cli_hl7.cmd_listen)
        if args.command == "hl7":
            if args.hl7_command == "log":
                return run_as_user(args, cli_hl7.cmd_log)
            return run_intake(args, cli_hl7.cmd_replay)
        if args.command == "import":
            return run_as_user(args, cli_import.cmd_import, creates=True)
        if args.command == "sync":
            return cli_sync.run(args, _settings, run_as_user)
        if args.command == "export":
            return run_as_user(args, cli_export.cmd_export)
        return cmd_tui(args)
    except PccError as exc:
        print(f"pcc: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last line of defence: no traceback, no patient data
        if os.environ.get("PCC_DEBUG"):
            raise
        kind = type(exc).__name__
        if "OperationalError" in kind or "InterfaceError" in kind:
            print(f"pcc: database error ({kind}); is the database reachable?", file=sys.stderr)
        else:
            print(f"pcc: unexpected {kind}; rerun with PCC_DEBUG=1 to see details", file=sys.stderr)
        return EXIT_USAGE
