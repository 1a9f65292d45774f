"""Settings: CLI > environment (PCC_*) > TOML file > defaults.

The TOML file lives in the user config dir (`pcc --help` prints its path) or wherever
PCC_CONFIG points. Nothing here holds patient data.
"""

from __future__ import annotations

import getpass
import os
from datetime import date
from pathlib import Path
from typing import Any, Literal, Self

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pcc_tui.core.errors import ConfigError

APP_NAME = "pcc-tui"
THEME_NAMES = ("dark", "light", "high-contrast", "ansi")
DEFAULT_ROUNDS_CHECKLIST = (
    "Pain controlled",
    "Mobilising as planned",
    "Discharge date set",
    "Medicines reconciled",
    "Family updated (within consent)",
)


def config_path() -> Path:
    override = os.environ.get("PCC_CONFIG")
    return Path(override) if override else Path(user_config_dir(APP_NAME)) / "config.toml"


def default_database_url() -> str:
    return f"sqlite:///{Path(user_data_dir(APP_NAME)) / 'pcc.db'}"


def os_user() -> str | None:
    """The login name of this process's real user id (not $USER, which anyone can set)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return None


class PolicySettings(BaseModel):
    eligibility_stale_days: int = Field(default=30, ge=1, le=365)
    queue_limit: int = Field(default=300, ge=10, le=5000)
    referral_reply_business_days_internal: int = Field(default=3, ge=1, le=60)
    referral_reply_days_external: int = Field(default=7, ge=1, le=120)
    break_glass_minutes: int = Field(default=60, ge=5, le=24 * 60)
    confirm_ahead_business_days: int = Field(default=2, ge=0, le=10)
    # Who may break the glass (PostgreSQL also refuses it to viewers and admins itself).
    break_glass_roles: tuple[Literal["coordinator", "supervisor"], ...] = (
        "coordinator",
        "supervisor",
    )
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    mrn_prefix: str = Field(default="PCC", pattern=r"^[A-Za-z0-9-]{1,20}$")
    # The business-day calendar: this country's (and subdivision's) public holidays, from
    # the holidays package ("none": weekends only), and the site's own closed days.
    holiday_country: str = Field(default="US", pattern=r"^([A-Z]{2}|none)$")
    holiday_subdivision: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,3}$")
    closures: list[date] = Field(default_factory=list, max_length=400)
    # HL7 v2 PID-3: identifiers issued by these assigning authorities (PID-3.4) are MRNs,
    # the first listed first; none listed: the first identifier of type MR, else the first.
    mrn_authorities: list[str] = Field(default_factory=list, max_length=20)
    # FHIR Patient.identifier: identifiers of this system are the site's own MRNs (the ones
    # HL7 feeds and registration use); others keep their system, so an MR 12345 of another
    # system is another patient's number, not a clash.
    mrn_system: str | None = Field(default=None, max_length=255)

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        import phonenumbers

        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phone numbers are known for")
        return value

    @model_validator(mode="after")
    def _known_holidays(self) -> Self:
        from pcc_tui.core.domain.business_days import supported

        # Only a calendar the site names is checked: the default needs no check, and loading
        # the holidays package would cost every start about 0.1 s.
        named = {"holiday_country", "holiday_subdivision"} & self.model_fields_set
        if named and self.holiday_country != "none":
            problem = supported(self.holiday_country, self.holiday_subdivision)
            if problem:
                raise ValueError(problem)
        return self


class AuthSettings(BaseModel):
    """How people sign in and when an unattended session locks (HIPAA 164.312(a)(2)(iii))."""

    # auto: user name + password on PostgreSQL; on a local SQLite file the OS login is trusted.
    # pin: the OS (SSH) user name, bound to an account, plus that account's PIN.
    mode: Literal["auto", "password", "pin", "os"] = "auto"
    max_failed_logins: int = Field(default=5, ge=1, le=50)
    idle_lock_minutes: float = Field(default=5, gt=0, le=120)
    idle_logoff_minutes: float = Field(default=30, gt=0, le=24 * 60)

    def effective_mode(self, dialect: str) -> str:
        if self.mode != "auto":
            return self.mode
        return "os" if dialect == "sqlite" else "password"


class Hl7Settings(BaseModel):
    """The HL7 v2 listener (`pcc listen hl7`): frame size, idle time, commit batching."""

    max_frame_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    idle_timeout_seconds: float = Field(default=300, gt=0, le=24 * 3600)
    # Messages applied per commit when a backlog arrives (each applies whole or not at all).
    batch_max: int = Field(default=200, ge=1, le=5000)
    # A group commit: a batch waits at most this long for the next message of each client
    # that sent in the batch before (clients that wait for each ACK send again just after).
    gather_ms: float = Field(default=5, ge=0, le=1000)


class EhrSettings(BaseModel):
    """`pcc sync fhir`: the EHR's FHIR base, pcc's registered client and its key, and what to
    export. No secret goes here: the private key is a file only its owner reads."""

    base_url: str | None = None  # https://... (http only to this machine)
    client_id: str | None = None  # as the EHR issued it on registration
    key_file: str | None = None  # from `pcc sync fhir keygen`
    token_url: str | None = None  # else from the server's .well-known/smart-configuration
    scope: str = "system/*.read"
    level: Literal["system", "group", "patient"] = "system"
    group: str | None = None  # a Group export's Group id
    types: list[str] = []  # _type (empty: every type the server exports)
    type_filters: list[str] = []  # _typeFilter, where the server supports it
    source: str = Field(default="ehr", min_length=1, max_length=60)  # re-imports match on it
    interval_minutes: float = Field(default=60, ge=1, le=24 * 60)  # --watch
    poll_cap_seconds: float = Field(default=60, ge=1, le=3600)  # the longest wait per poll


class AuditSettings(BaseModel):
    """The sealed audit chain: the sealer's private key file, the public key that `pcc
    audit verify` pins, and where anchors are kept (outside the database)."""

    signing_key: str | None = None
    public_key: str | None = None
    anchors: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PCC_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    user: str | None = None
    policy: PolicySettings = PolicySettings()
    auth: AuthSettings = AuthSettings()
    audit: AuditSettings = AuditSettings()
    hl7: Hl7Settings = Hl7Settings()
    ehr: EhrSettings = EhrSettings()
    keymap: dict[str, str] = {}  # binding id -> keys, e.g. complete-step = "D"
    theme: str | None = None  # dark, light, high-contrast, ansi
    mouse: bool = True
    ascii: bool = False
    patient_mask: Literal["initials-mrn", "mrn", "name"] = "initials-mrn"
    # How long a cursor move waits for the chart it opens, so both paint as one (0: never).
    switch_paint_ms: int = Field(default=40, ge=0, le=2000)
    # What is checked for each patient on ward rounds (W); a site lists its own in config.
    rounds_checklist: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ROUNDS_CHECKLIST), max_length=20
    )

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, value: str | None) -> str | None:
        if value is not None and value not in THEME_NAMES:
            raise ValueError(f"no theme {value!r}; choose one of: {', '.join(THEME_NAMES)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )


def load_settings(**overrides: Any) -> Settings:
    """The effective settings; a bad file or value is a ConfigError naming the file, the line
    and the field (TOML syntax, an unknown key with a "did you mean", a value out of range)."""
    path = config_path()
    text = _read(path)
    if text is not None:
        _check_keys(path, text)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        where = _where(path, text, [str(p) for p in err["loc"]])
        raise ConfigError(f"{where}: {field}: {message}") from None


def _read(path: Path) -> str | None:
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__})") from None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return text


def _check_keys(path: Path, text: str) -> None:
    import difflib
    import tomllib

    data = tomllib.loads(text)
    # [keymap]'s keys are binding ids: the TUI's key registry checks them.
    sections: dict[str, type[BaseModel]] = {
        "policy": PolicySettings,
        "auth": AuthSettings,
        "audit": AuditSettings,
        "hl7": Hl7Settings,
        "ehr": EhrSettings,
    }

    def unknown(key: str, known: list[str], trail: list[str]) -> ConfigError:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        name = ".".join([*trail, key])
        return ConfigError(f"{_where(path, text, [*trail, key])}: unknown setting {name!r}{hint}")

    top = list(Settings.model_fields)
    for key, value in data.items():
        if key not in top:
            raise unknown(key, top, [])
        if key in sections and isinstance(value, dict):
            known = list(sections[key].model_fields.keys())
            for inner in value:
                if inner not in known:
                    raise unknown(inner, known, [key])


def _where(path: Path, text: str | None, loc: list[str]) -> str:
    """`FILE, line N` for the key at `loc` (its last part, inside its [section] if any)."""
    if text is None or not loc:
        return str(path)
    import re

    section = loc[0] if len(loc) > 1 else None
    key = loc[-1]
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
            if section is None and current == key:
                return f"{path}, line {number}"
            continue
        if re.match(rf"\s*{re.escape(key)}\s*=", line) and current == section:
            return f"{path}, line {number}"
    return str(path)
