"""Signing in from the command line, and `pcc user add|disable|reset-password|list`.

Secrets are read with getpass on a terminal, or as one line of standard input when a script
pipes them in; they are never taken from the command line (it shows in `ps` and history).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pcc_tui.cli_signin import open_signed_in, read_secret, sign_in_sqlite
from pcc_tui.core.config import Settings, os_user
from pcc_tui.core.errors import AuthFailed
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Policy, Store
from pcc_tui.core.store.engine import parse_url

ROLES = ["coordinator", "supervisor", "viewer", "admin"]


def add_commands(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    user = sub.add_parser("user", help="accounts (admins)")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="add an account; asks for its password or PIN")
    common(add)
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", choices=ROLES, default="coordinator")
    add.add_argument("--ward", help="home ward")
    add.add_argument("--pool", help="work pool (e.g. intake)")
    add.add_argument("--os-user", help="OS (SSH) login name bound to this account, for PINs")
    add.add_argument("--pin", action="store_true", help="set a PIN instead of a password")
    add.add_argument("--own-mrn", metavar="MRN", help="the user's own record: never theirs")
    reset = user_sub.add_parser("reset-password", help="new password or PIN; lifts a lockout")
    common(reset)
    reset.add_argument("username")
    reset.add_argument("--pin", action="store_true", help="set the PIN instead")
    disable = user_sub.add_parser("disable", help="the account can no longer sign in")
    common(disable)
    disable.add_argument("username")
    common(user_sub.add_parser("list", help="every account, its role and state"))


def _new_secret(pin: bool) -> str:
    word = "PIN" if pin else "password"
    first = read_secret(f"New {word}: ")
    if sys.stdin is not None and sys.stdin.isatty() and read_secret("Again: ") != first:
        raise AuthFailed(f"the two {word}s differ; nothing changed")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings, policy: Policy) -> int:
    if parse_url(settings.database_url).get_backend_name() == "postgresql":
        store, actor = open_signed_in(settings, policy)
    else:
        store = Store.open(settings.database_url, policy=policy)
        if args.user_command == "add" and _no_admin_yet(store):
            actor = Actor(os_user() or "bootstrap", None, "coordinator", "first admin")
        else:
            try:
                actor = sign_in_sqlite(store, settings)
            except BaseException:
                store.close()
                raise
    try:
        return _run(args, store, actor)
    finally:
        store.close()


def _run(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services import accounts

    if args.user_command == "list":
        print(f"{'user':16}{'role':12}{'ward':12}{'state':10}sign-in")
        for a in accounts.list_users(store, actor):
            state = "disabled" if not a.active else "locked" if a.locked else "active"
            how = ", ".join(w for w, on in (("password", a.password), ("PIN", a.pin)) if on)
            bound = f" (os user {a.os_user})" if a.os_user else ""
            print(f"{a.username:16}{a.role:12}{a.ward or '':12}{state:10}{how or 'none'}{bound}")
        return 0
    if args.user_command == "disable":
        accounts.disable_user(store, actor, args.username)
        print(f"disabled {args.username}")
        return 0
    secret = _new_secret(args.pin)
    if args.user_command == "reset-password":
        kind = {"pin": secret} if args.pin else {"password": secret}
        accounts.reset_secret(store, actor, args.username, **kind)
        print(f"new {'PIN' if args.pin else 'password'} set for {args.username}; unlocked")
        return 0
    accounts.add_user(
        store,
        actor,
        username=args.username,
        display_name=args.name,
        role=args.role,
        password=None if args.pin else secret,
        pin=secret if args.pin else None,
        os_user=args.os_user,
        ward=args.ward,
        pool=args.pool,
        own_mrn=args.own_mrn,
    )
    print(f"added {args.role} {args.username}")
    return 0


def _no_admin_yet(store: Store) -> bool:
    from pcc_tui.core.services.accounts import admin_can_sign_in

    return not admin_can_sign_in(store)
