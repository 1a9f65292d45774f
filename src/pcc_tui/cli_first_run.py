"""A first run that needs no code reading: a new SQLite file gets its schema, a database
with no accounts offers the OS user its first account, and every hint that names a command
carries the `--db` the user gave.

PostgreSQL is never created or upgraded from here: that is the schema owner's `pcc db
upgrade`, and its first admin the owner's `pcc user add`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pcc_tui.cli_signin import read_secret
from pcc_tui.core.config import default_database_url, os_user
from pcc_tui.core.errors import AuthFailed, PccError
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine, parse_url, safe_url
from pcc_tui.core.store.files import private_folder
from pcc_tui.core.store.migrate import upgrade

if TYPE_CHECKING:
    from pcc_tui.core.demo.seed import DemoAccount


def db_flag(url: str) -> str:
    """` --db URL` for a hint, unless the URL is the default one (no password shown)."""
    if url == default_database_url():
        return ""
    return f" --db {shlex.quote(safe_url(parse_url(url)))}"


def sqlite_path(url: str) -> Path | None:
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).expanduser()


def is_new_file(path: Path) -> bool:
    """Nothing there yet, or an empty file (what SQLite leaves after a bare connect)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def create_schema(url: str) -> None:
    """The schema at this code's revision; the SQLite file's folder created owner-only."""
    path = sqlite_path(url)
    if path is not None:
        private_folder(path.parent)
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def prepare_sqlite(url: str, *, create: bool) -> None:
    """Before a command opens a local database file: a new file gets the schema (commands
    that write), or the command is refused without leaving a file behind (those that
    only read). Other files and PostgreSQL are left to `Store.open`'s own checks."""
    path = sqlite_path(url)
    if path is None or not is_new_file(path):
        return
    if not create:
        raise PccError(f"no pcc database at {path} yet: `pcc{db_flag(url)}` creates one")
    if url != default_database_url() and not path.parent.is_dir():
        # A typo in a path given by hand should not create folders: only pcc's own default.
        raise PccError(f"folder for the SQLite file does not exist: {path.parent}")
    existed = path.exists()
    try:
        create_schema(url)
    except BaseException:
        if not existed:
            path.unlink(missing_ok=True)  # a refused open leaves nothing behind
        raise
    print(f"pcc: created a new pcc database at {path}", file=sys.stderr)


def first_account_command(url: str, name: str) -> str:
    return (
        f"pcc user add {shlex.quote(name)}{db_flag(url)} --name {shlex.quote(_full_name(name))}"
        f" --role admin --os-user {shlex.quote(name)}"
    )


def offer_first_account(store: Store, url: str) -> None:
    """On a local database with no accounts at all, make the OS user its first account (an
    admin, who works patients as a coordinator does), asked on a terminal. Without one, say
    the command that does it."""
    if store.dialect != "sqlite" or accounts.account_count(store):
        return
    name = os_user()
    if not name:
        raise PccError("this database has no accounts, and this process has no OS user name")
    command = first_account_command(url, name)
    if not (sys.stdin is not None and sys.stdin.isatty()):
        raise PccError(f"this database has no accounts yet: run `{command}`")
    answer = input(
        f"This database has no accounts yet. Make {name} its first (an admin who also works"
        " as a coordinator)? [Y/n] "
    )
    if answer.strip().lower() not in ("", "y", "yes"):
        raise PccError(f"no account made; to make one: `{command}`")
    low, high = accounts.PIN_DIGITS
    secret = read_secret(
        f"A password ({accounts.PASSWORD_MIN}+ characters) or a PIN ({low}-{high} digits),"
        " to unlock an idle screen: "
    )
    if read_secret("Again: ") != secret:
        raise AuthFailed("the two differ; no account made")
    kind = {"pin": secret} if secret.isdigit() else {"password": secret}
    accounts.add_user(
        store,
        Actor(name, None, "coordinator", "first run"),
        username=name,
        display_name=_full_name(name),
        role="admin",
        os_user=name,
        **kind,
    )
    print(
        f"pcc: {name} is this database's first account (admin; works patients as a"
        f" coordinator). Colleagues: `pcc user add NAME{db_flag(url)} --name 'Full Name'`",
        file=sys.stderr,
    )


def print_demo_accounts(rows: list[DemoAccount], url: str, with_password: bool) -> None:
    """Who the demo's users are, and how to sign in as each."""
    print("\ndemo accounts:")
    for a in rows:
        print(f"  {a.username:10} {a.role:12} {a.works or '':12} {a.display_name}")
    flag = db_flag(url)
    if with_password:
        print(f"sign in as one with the password you gave: `pcc{flag} --user alex`")
        print(f"accounts (as the admin): `pcc user list{flag} --user {rows[-1].username}`")
    elif sqlite_path(url) is not None:
        print(
            "they have no password, so only `pcc --demo` signs in as them; to try them here,"
            f" seed an empty database with --password-stdin, or add yourself:"
            f" `pcc user add NAME{flag} --name 'Full Name' --role admin --os-user NAME`"
        )
    else:
        print("they have no password or database login: seed with --password-stdin to try them")


def _full_name(name: str) -> str:
    """The OS account's full name (GECOS), else the login name."""
    try:
        import pwd

        gecos = pwd.getpwnam(name).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        gecos = ""
    return gecos or name
