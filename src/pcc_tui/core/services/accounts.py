"""Accounts: sign-in (password, or OS user name + PIN), lockout, and their management.

Secrets are stored only as argon2id hashes. Every sign-in, refused or not, is audited; each
try is counted before its secret is checked (`store/attempts.py`), with a growing wait after
each failure, and after `max_failed` in a row the account locks until an admin resets its
secret. The refusal message is the same whatever was wrong, so it does not reveal which
accounts exist. On PostgreSQL a person's database login is their first secret; this one
guards PIN sign-in and the idle lock inside their session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import AuditOutcome, CoordinatorRole
from pcc_tui.core.errors import AuthFailed, DomainError, Forbidden, NotFound
from pcc_tui.core.services.context import Actor, Tx, action, actor_of
from pcc_tui.core.services.permissions import ADMINS, require
from pcc_tui.core.store import attempts, audit, logins
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.mrn import patient_id_by_mrn
from pcc_tui.core.store.tables import CoordinatorRow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

PASSWORD_MIN = 10
PIN_DIGITS = (6, 12)
REFUSED = (
    "sign-in refused: wrong user name or secret, or the account is locked or disabled"
    " (after a wrong try, wait a moment before the next)"
)
Method = Literal["password", "pin"]


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # loaded by the first secret, not at start

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so a refusal takes as long either way
    (made on first use: hashing is deliberately slow, and the start path needs none)."""
    return _hasher().hash("not a real secret")


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise DomainError(f"a password needs at least {PASSWORD_MIN} characters")
    return password


def check_pin(pin: str) -> str:
    low, high = PIN_DIGITS
    if not (pin.isdigit() and low <= len(pin) <= high):
        raise DomainError(f"a PIN is {low} to {high} digits")
    return pin


def _matches(hashed: str | None, secret: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(hashed or _dummy_hash(), secret) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def _account(session: Session, name: str, method: Method) -> CoordinatorRow | None:
    if method == "pin":  # the SSH login name, bound to an account (or equal to its user name)
        bound = session.scalar(select(CoordinatorRow).where(CoordinatorRow.os_user == name))
        if bound is not None:
            return bound
    return session.scalar(select(CoordinatorRow).where(CoordinatorRow.username == name))


def sign_in(
    store: Store, name: str, secret: str, *, method: Method = "password", max_failed: int = 5
) -> Actor:
    """The actor for `name` if `secret` is right; otherwise AuthFailed (and audited)."""
    return _check_secret(store, name, secret, method, max_failed, "session.login")


def unlock(store: Store, actor: Actor, secret: str, *, method: Method, max_failed: int) -> Actor:
    """Unlocking an idle-locked screen is a sign-in again, with the same lockout."""
    return _check_secret(store, actor.username, secret, method, max_failed, "session.unlock")


def _check_secret(
    store: Store, name: str, secret: str, method: Method, max_failed: int, event: str
) -> Actor:
    """Claim an attempt (counted before the check, so parallel tries cannot outrun it),
    check the secret, and audit the try whatever it came to."""
    now = store.clock.now()
    with store.reading() as session:
        row = _account(session, name, method)
        known = row is not None and row.active
        username = row.username if row is not None else name[:64]
        hashed = attempts.secret_hash(session, username, method, store.person) if known else None
    claimed = attempts.Claim(None)
    if known:
        with store.writing() as session:
            claimed = attempts.claim(session, username, max_failed, now)
    right = _matches(hashed if claimed.slot is not None else None, secret)
    found: Actor | None = None
    with store.writing() as session:
        session.info.update(actor=username or "?", now=now)
        if not known:
            why = "unknown or disabled account"
        elif claimed.slot is None:
            why = "refused unchecked: account locked, or too soon after a failure"
        elif right and attempts.forgive(session, username):
            why = "ok"
            fresh = _account(session, username, "password")
            found = actor_of(fresh) if fresh is not None else None
        else:
            why = f"wrong {method} ({claimed.slot} in a row)"
            if claimed.locked:
                why += ": account locked"
        audit.append(
            session,
            audit.row(
                at=now,
                actor=username,
                action=event,
                outcome=AuditOutcome.SUCCESS if found else AuditOutcome.MINOR_FAILURE,
                entity_type="coordinator",
                entity_id=row.id if row is not None else None,
                detail={"method": method, "result": why},
            ),
        )
    if found is None:
        raise AuthFailed(REFUSED)
    return found


def bound_account(store: Store, os_name: str) -> str | None:
    """The active account this OS login is bound to (`--os-user`, or the same user name)."""
    with store.reading() as session:
        row = _account(session, os_name, "pin")
        return row.username if row is not None and row.active else None


def secret_kind(store: Store, username: str) -> Method | None:
    """Which secret proves this account: its password, else its PIN, else None."""
    with store.reading() as session:
        methods: tuple[Method, ...] = ("password", "pin")
        for method in methods:
            if attempts.secret_hash(session, username, method, store.person):
                return method
    return None


def record_session_event(store: Store, actor: Actor, event: str, **detail: Any) -> None:
    """Logout, lock, idle logoff: audited with who and where, nothing else changes."""
    with store.writing() as session:
        audit.append(
            session,
            audit.row(
                at=store.clock.now(),
                actor=actor.username,
                action=f"session.{event}",
                outcome=AuditOutcome.SUCCESS,
                entity_type="coordinator",
                entity_id=actor.coordinator_id,
                detail=detail,
            ),
        )


@dataclass(frozen=True)
class AccountView:
    username: str
    display_name: str
    role: str
    ward: str | None
    active: bool
    locked: bool
    password: bool
    pin: bool
    os_user: str | None


def _bootstrap(session: Session) -> bool:
    """While no active admin can sign in, anyone may add the first admin (they already hold
    the database credentials); after that only admins manage accounts."""
    admin = session.scalar(
        select(CoordinatorRow.id).where(
            CoordinatorRow.role == CoordinatorRole.ADMIN,
            CoordinatorRow.active.is_(True),
            CoordinatorRow.password_hash.is_not(None) | CoordinatorRow.pin_hash.is_not(None),
        )
    )
    return admin is None


def account_count(store: Store) -> int:
    """How many accounts the database has (any state): none means a first run."""
    with store.reading() as session:
        return int(session.scalar(select(func.count()).select_from(CoordinatorRow)) or 0)


def admin_can_sign_in(store: Store) -> bool:
    if store.person:
        return True  # a person's login exists: the owner added the first admin already
    with store.reading() as session:
        return not _bootstrap(session)


@contextmanager
def _admin_action(store: Store, actor: Actor, name: str) -> Iterator[Tx]:
    with action(store, actor, name) as tx:
        require(actor, ADMINS, "manage accounts")
        yield tx


def add_user(
    store: Store,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str | None = None,
    pin: str | None = None,
    os_user: str | None = None,
    ward: str | None = None,
    pool: str | None = None,
    own_mrn: str | None = None,
) -> int:
    role = CoordinatorRole(role).value
    with action(store, actor, "user.add") as tx:
        bootstrap = _bootstrap(tx.session)
        if not bootstrap:
            require(actor, ADMINS, "manage accounts")
        elif role != CoordinatorRole.ADMIN:
            raise DomainError("no admin can sign in yet: the first account to add is an admin")
        if not password and not pin:
            raise DomainError("an account needs a password or a PIN")
        if tx.session.scalar(select(CoordinatorRow.id).where(CoordinatorRow.username == username)):
            raise DomainError(f"user name {username!r} is taken")
        postgres = store.dialect == "postgresql"
        if postgres:
            logins.check_login_name(username)
        row = tx.add(
            CoordinatorRow(
                username=username,
                display_name=display_name,
                role=role,
                ward=ward,
                pool=pool,
                active=True,
                os_user=os_user,
                failed_logins=0,
                password_hash=_hasher().hash(check_password(password)) if password else None,
                pin_hash=_hasher().hash(check_pin(pin)) if pin else None,
                own_patient_id=_patient_by_mrn(tx.session, own_mrn) if own_mrn else None,
            )
        )
        if postgres:  # their own database login, in the group role of their pcc role
            logins.create_login(tx.session, username, role, password)
        tx.about(row, role=role, bootstrap=bootstrap, db_login=postgres)
        return int(row.id)


def give_passwords(store: Store, actor: Actor, usernames: list[str], password: str) -> None:
    """One password for accounts seeded without any (a demo a team can try), and on
    PostgreSQL each one's own database login. The schema owner's step, audited as one."""
    check_password(password)
    if store.person:
        raise Forbidden("demo passwords are set by the schema owner, not a person's login")
    with action(store, actor, "user.demo-passwords") as tx:
        rows = tx.session.scalars(
            select(CoordinatorRow).where(CoordinatorRow.username.in_(usernames))
        ).all()
        for row in rows:
            if row.password_hash or row.pin_hash:
                raise DomainError(f"{row.username} has a secret already; nothing changed")
            row.password_hash = _hasher().hash(password)
            if store.dialect == "postgresql":
                logins.create_login(tx.session, row.username, row.role, password)
        tx.detail["users"] = sorted(r.username for r in rows)


def _patient_by_mrn(session: Session, mrn: str) -> int:
    found = session.scalar(patient_id_by_mrn(mrn))
    if found is None:
        raise NotFound("patient with MRN", mrn)
    return int(found)


def disable_user(store: Store, actor: Actor, username: str) -> None:
    with _admin_action(store, actor, "user.disable") as tx:
        row = _by_name(tx.session, username)
        if row.username == actor.username:
            raise DomainError("you cannot disable your own account")
        tx.track(row)
        row.active = False
        if store.dialect == "postgresql" and logins.login_exists(tx.session, username):
            logins.set_login(tx.session, username, enabled=False)
        tx.about(row)


def reset_secret(
    store: Store,
    actor: Actor,
    username: str,
    *,
    password: str | None = None,
    pin: str | None = None,
    own_mrn: str | None = None,
) -> None:
    """Set a new password and/or PIN, and lift a lockout."""
    if not password and not pin and not own_mrn:
        raise DomainError("give a new password or PIN")
    with _admin_action(store, actor, "user.reset-secret") as tx:
        row = _by_name(tx.session, username)
        tx.track(row)
        if password:
            row.password_hash = _hasher().hash(check_password(password))
        if pin:
            row.pin_hash = _hasher().hash(check_pin(pin))
        if own_mrn:
            row.own_patient_id = _patient_by_mrn(tx.session, own_mrn)
        row.failed_logins, row.locked_at, row.last_failed_at = 0, None, None
        if store.dialect == "postgresql" and password:
            if logins.login_exists(tx.session, username):
                logins.set_login(tx.session, username, password=password)
            else:  # an account made before logins were per person (or imported): make one
                logins.create_login(tx.session, username, row.role, password)
        tx.about(row, password=bool(password), pin=bool(pin))


def list_users(store: Store, actor: Actor) -> list[AccountView]:
    with _admin_action(store, actor, "user.list") as tx:
        rows = tx.session.scalars(select(CoordinatorRow).order_by(CoordinatorRow.username))
        return [
            AccountView(
                r.username,
                r.display_name,
                r.role,
                r.ward,
                r.active,
                r.locked_at is not None,
                r.password_hash is not None,
                r.pin_hash is not None,
                r.os_user,
            )
            for r in rows
        ]


def _by_name(session: Session, username: str) -> CoordinatorRow:
    row = session.scalar(select(CoordinatorRow).where(CoordinatorRow.username == username))
    if row is None:
        raise NotFound("account", username)
    return row


def coordinator_id_of(store: Store, username: str) -> int | None:
    """An active account's id by its username (an import's `--coordinator`)."""
    with store.reading() as session:
        found = session.scalar(
            select(CoordinatorRow.id).where(
                CoordinatorRow.username == username, CoordinatorRow.active.is_(True)
            )
        )
    return int(found) if found is not None else None
