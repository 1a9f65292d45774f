"""Signing in from the command line, and `pcc user add|disable|reset-password|list`.

Secrets are read with getpass on a terminal, or as one line of standard input when a script
pipes them in; they are never taken from the command line (it shows in `ps` and history).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from pcc_tui.core.config import Settings, os_user
from pcc_tui.core.errors import AuthFailed, UnknownUser
from pcc_tui.core.services.context import Actor, first_coordinator, resolve_actor
from pcc_tui.core.store.database import Store

ROLES = ["coordinator", "supervisor", "viewer", "admin"]


def read_secret(prompt: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def sign_in_mode(store: Store, settings: Settings, demo: bool) -> str:
    return "os" if demo else settings.auth.effective_mode(store.dialect)


def authenticate(store: Store, settings: Settings, *, demo: bool = False) -> Actor:
    """The acting user, signed in the way the site chose (audited by the accounts service)."""
    from pcc_tui.core.services.accounts import sign_in

    mode = sign_in_mode(store, settings, demo)
    if mode == "os":
        return _os_actor(store, settings, demo)
    if mode == "pin":
        name = os_user()
        if not name:
            raise AuthFailed("PIN sign-in needs an OS user name, and this process has none")
        secret = read_secret(f"PIN for {name}: ")
    else:
        name = settings.user or os_user() or ""
        secret = read_secret(f"Password for {name}: ")
    if not secret:
        raise AuthFailed("sign-in refused: no secret given")
    return sign_in(
        store,
        name,
        secret,
        method="pin" if mode == "pin" else "password",
        max_failed=settings.auth.max_failed_logins,
    )


def _os_actor(store: Store, settings: Settings, demo: bool) -> Actor:
    if settings.user:
        return resolve_actor(store, settings.user)
    name = os_user()
    if name:
        try:
            return resolve_actor(store, name)
        except UnknownUser:
            pass
    if demo:
        first = first_coordinator(store)
        if first:
            return first
    raise UnknownUser(
        f"your user name {name!r} is not a coordinator here: pass --user NAME (or set PCC_USER)"
    )


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


def cmd_user(args: argparse.Namespace, store: Store, settings: Settings) -> int:
    from pcc_tui.core.services import accounts

    if args.user_command == "add" and _no_admin_yet(store):
        actor = Actor(os_user() or "bootstrap", None, "coordinator", "first admin")
    else:
        actor = authenticate(store, settings)
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
