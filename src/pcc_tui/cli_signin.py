"""Who is acting, and on which connection.

PostgreSQL: each person connects as their own database login (`--user`, PCC_USER, or the
URL's user), so the database itself checks their password (or certificate, GSSAPI, peer)
and scopes what they see; pcc asks for the password only when the server wants one. PIN
mode then asks the account's PIN as well. A connection that is not a person's (the schema
owner's, for upgrades, seeding, imports and sealing) acts as that owner.

SQLite (one person's file): the OS login is trusted for the account bound to it; naming any
other account with `--user` needs that account's secret.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable

from sqlalchemy.engine import URL

from pcc_tui.core.config import Settings, os_user
from pcc_tui.core.errors import AuthFailed, StoreUnavailable, UnknownUser
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import Actor, first_coordinator, resolve_actor
from pcc_tui.core.store.database import Policy, Store
from pcc_tui.core.store.engine import parse_url, safe_url

OWNER_ROLE = "admin"


def read_secret(prompt: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def sign_in_mode(settings: Settings, dialect: str, demo: bool) -> str:
    return "os" if demo else settings.auth.effective_mode(dialect)


def open_signed_in(
    settings: Settings,
    policy: Policy,
    *,
    demo: bool = False,
    url: str | None = None,
    first_run: Callable[[Store, str], None] | None = None,
) -> tuple[Store, Actor]:
    """Open the database as the acting person and return them signed in (audited).
    `first_run` may make a local database's first account before anyone signs in."""
    raw = url or settings.database_url
    parsed = parse_url(raw)
    if parsed.get_backend_name() == "postgresql":
        return _postgres(settings, policy, parsed)
    store = Store.open(raw, policy=policy)
    try:
        if first_run is not None:
            first_run(store, raw)
        return store, sign_in_sqlite(store, settings, demo)
    except BaseException:
        store.close()
        raise


def _postgres(settings: Settings, policy: Policy, url: URL) -> tuple[Store, Actor]:
    if settings.user and settings.user != url.username:
        # Another person than the URL names: never the URL's password (URL.set keeps it).
        url = url._replace(username=settings.user, password=None)
    who = url.username or os_user() or "?"
    store = _connect(url, policy, who)
    try:
        if not store.person:
            # The schema owner's own connection: maintenance, attributed to that login.
            return store, Actor(store.login or who, None, OWNER_ROLE, "schema owner")
        actor = resolve_actor(store, store.login or who)
        if sign_in_mode(settings, "postgresql", False) == "pin":
            pin = read_secret(f"PIN for {actor.username}: ")
            actor = accounts.sign_in(
                store,
                actor.username,
                pin,
                method="pin",
                max_failed=settings.auth.max_failed_logins,
            )
        else:
            accounts.record_session_event(store, actor, "login", method="database login")
        return store, actor
    except BaseException:
        store.close()
        raise


def _connect(url: URL, policy: Policy, who: str) -> Store:
    try:
        return Store.open(url.render_as_string(hide_password=False), policy=policy)
    except StoreUnavailable as exc:
        failure = _auth_failure(exc)
        if failure is None:
            raise
        if failure == "refused" or url.password is not None:
            raise AuthFailed(accounts.REFUSED) from None
    # The server wants a password and none came with the URL (or ~/.pgpass).
    secret = read_secret(f"Password for {who} at {safe_url(url.set(username=None))}: ")
    if not secret:
        raise AuthFailed("sign-in refused: no password given")
    try:
        return Store.open(
            url.set(password=secret).render_as_string(hide_password=False), policy=policy
        )
    except StoreUnavailable as exc:
        if _auth_failure(exc) is None:
            raise
        raise AuthFailed(accounts.REFUSED) from None


def _auth_failure(exc: StoreUnavailable) -> str | None:
    message = str(exc)
    if "no password supplied" in message:
        return "password"
    if any(n in message for n in ("password authentication failed", "not permitted to log in")):
        return "refused"
    return None


def sign_in_sqlite(store: Store, settings: Settings, demo: bool = False) -> Actor:
    mode = sign_in_mode(settings, store.dialect, demo)
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
    return accounts.sign_in(
        store,
        name,
        secret,
        method="pin" if mode == "pin" else "password",
        max_failed=settings.auth.max_failed_logins,
    )


def _os_actor(store: Store, settings: Settings, demo: bool) -> Actor:
    name = os_user()
    bound = accounts.bound_account(store, name) if name else None
    if settings.user and demo:
        return resolve_actor(store, settings.user)  # synthetic data: any demo account
    if settings.user and settings.user != bound:
        # Not the account this OS login is bound to: prove it with that account's secret.
        resolve_actor(store, settings.user)  # an unknown or locked account says so first
        method = accounts.secret_kind(store, settings.user)
        if method is None:
            raise AuthFailed(
                f"--user {settings.user!r} is not your account and has no secret to prove it"
            )
        secret = read_secret(f"{'PIN' if method == 'pin' else 'Password'} for {settings.user}: ")
        return accounts.sign_in(
            store,
            settings.user,
            secret,
            method=method,
            max_failed=settings.auth.max_failed_logins,
        )
    if bound:
        return resolve_actor(store, bound)
    if demo:
        first = first_coordinator(store)
        if first:
            return first
    raise UnknownUser(
        f"your user name {name!r} is not a coordinator here: pass --user NAME (or set PCC_USER)"
    )


def lock_method(store: Store, settings: Settings, actor: Actor, demo: bool) -> str:
    """How the idle lock is opened again: the sign-in secret, or, signed in by the OS login,
    the account's own secret when it has one (Enter only when it has none)."""
    mode = sign_in_mode(settings, store.dialect, demo)
    if mode != "os" or demo:
        return mode
    return accounts.secret_kind(store, actor.username) or "os"
