"""`pcc config show` (every effective setting and where it came from) and `pcc config init`
(a commented sample file at the path `pcc --help` prints). Settings hold no patient data;
a database URL's password is never printed.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from pcc_tui.core.config import Settings, config_path, load_settings
from pcc_tui.core.errors import PccError
from pcc_tui.core.store.engine import parse_url, safe_url
from pcc_tui.core.store.files import private_folder, write_private

SAMPLE = """\
# pcc-tui settings. Every line is commented out: the value shown is the default.
# Precedence: command line > environment (PCC_DATABASE_URL, PCC_USER, ...) > this file.
# `pcc config show` prints what is in force and where each value came from.

# Which database: a local SQLite file (one person) or a team's PostgreSQL (use TLS).
# database_url = "sqlite:///{data}/pcc.db"
# database_url = "postgresql+psycopg://you@db.example.org/pcc?sslmode=verify-full"

# The account you act as (default: your OS user name).
# user = "alex"

# theme = "dark"            # dark, light, high-contrast, ansi (16 colours)
# mouse = true              # false on thin clients: keys only
# ascii = false             # ASCII marks and borders only
# patient_mask = "initials-mrn"   # how patients show in titles and lists: initials-mrn, mrn, name
# switch_paint_ms = 40      # a cursor move waits up to this for its patient's chart, to paint
#                           # both at once (never one patient's row beside another's chart)

# What ward rounds (W) check for each patient.
# rounds_checklist = ["Pain controlled", "Mobilising as planned", "Discharge date set",
#   "Medicines reconciled", "Family updated (within consent)"]

[policy]
# eligibility_stale_days = 30
# queue_limit = 300
# referral_reply_business_days_internal = 3
# referral_reply_days_external = 7
# break_glass_minutes = 60
# confirm_ahead_business_days = 2
# break_glass_roles = ["coordinator", "supervisor"]
# phone_region = "US"        # phone numbers typed without +country are this region's
# mrn_prefix = "PCC"         # a patient registered without an MRN gets PCC000001, ...
# holiday_country = "US"     # business days skip its public holidays ("none": weekends only)
# holiday_subdivision = "CA" # and this state's or province's (ISO 3166-2 part)
# closures = [2026-12-24]    # the site's own closed days
# mrn_authorities = ["GENHOSP"]   # HL7 PID-3 assigning authorities whose ids are MRNs
# mrn_system = "urn:oid:1.2.3"     # FHIR: identifiers of this system are the site's MRNs

[hl7]
# max_frame_bytes = 1048576  # pcc listen hl7: larger frames are refused (AR)
# idle_timeout_seconds = 300 # a connection silent this long is closed
# batch_max = 200            # messages applied per commit when a backlog arrives
# gather_ms = 5              # a batch waits this long at most for each busy client's next

[ehr]
# base_url = "https://ehr.example.org/fhir"   # pcc sync fhir (https; http only to loopback)
# client_id = ""             # as the EHR issued it when pcc's key set was registered
# key_file = ""              # pcc sync fhir keygen makes it (owner-only)
# level = "system"           # system, group (with group = "ID") or patient
# types = []                 # _type; empty: everything the server exports
# interval_minutes = 60      # pcc sync fhir --watch

[auth]
# mode = "auto"             # auto: OS login on SQLite, password on PostgreSQL; or password, pin, os
# max_failed_logins = 5
# idle_lock_minutes = 5
# idle_logoff_minutes = 30

[audit]
# signing_key = "/etc/pcc/audit-signing.key"   # the sealer's private key (not for cockpits)
# public_key = "base64 printed by pcc audit keygen"   # what `pcc audit verify` pins
# anchors = "/var/lib/pcc/anchors"             # signed checkpoints, kept outside the database

[keymap]
# complete-step = "D"       # binding id = keys; `?` in the cockpit lists the ids
"""


def add_commands(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    config = sub.add_parser("config", help="settings: show them, or write a sample file")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    common(config_sub.add_parser("show", help="the settings in force, and where each is from"))
    init = config_sub.add_parser("init", help=f"write a commented sample at {config_path()}")
    init.add_argument("--force", action="store_true", help="replace an existing file")


def cmd_config(args: argparse.Namespace) -> int:
    if args.config_command == "init":
        return _init(args.force)
    overrides = {"database_url": getattr(args, "db", None), "user": getattr(args, "user", None)}
    settings = load_settings(**overrides)
    path = config_path()
    in_file = _file_keys()
    print(f"config file: {path}{'' if path.exists() else ' (none yet: `pcc config init`)'}")
    for key, value in _flatten(settings):
        print(f"{key} = {_shown(key, value)}    # {_source(key, overrides, in_file)}")
    return 0


def _init(force: bool) -> int:
    from platformdirs import user_data_dir

    path = config_path()
    if path.exists() and not force:
        raise PccError(f"{path} exists already: edit it, or `pcc config init --force`")
    private_folder(path.parent)
    text = SAMPLE.replace("{data}", user_data_dir("pcc-tui")).encode()
    if force:
        path.unlink(missing_ok=True)
    write_private(path, text)
    print(f"wrote {path}")
    return 0


def _flatten(settings: Settings) -> Iterator[tuple[str, Any]]:
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            for inner in type(value).model_fields:
                yield f"{name}.{inner}", getattr(value, inner)
        else:
            yield name, value


def _shown(key: str, value: Any) -> str:
    if key == "database_url":
        return repr(safe_url(parse_url(value)))
    if isinstance(value, tuple):
        value = list(value)
    return repr(value)


def _file_keys() -> set[str]:
    try:
        data = tomllib.loads(config_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    keys: set[str] = set()
    for key, value in data.items():
        if not isinstance(value, dict) or value:  # an empty [section] sets nothing
            keys.add(key)
        if isinstance(value, dict):
            keys.update(f"{key}.{inner}" for inner in value)
    return keys


def _source(key: str, overrides: dict[str, str | None], in_file: set[str]) -> str:
    top = key.split(".")[0]
    if overrides.get(key):
        return "command line"
    env = f"PCC_{top.upper()}"
    if any(name.upper() == env for name in os.environ):
        return f"environment {env}"
    if key in in_file or (top == "keymap" and top in in_file):
        return "config file"
    return "default"
