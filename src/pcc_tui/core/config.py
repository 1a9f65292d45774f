"""Settings: CLI > environment (PCC_*) > TOML file > defaults.

The TOML file lives in the user config dir (`pcc --help` prints its path) or wherever
PCC_CONFIG points. Nothing here holds patient data.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "pcc-tui"
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PCC_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    user: str | None = None
    policy: PolicySettings = PolicySettings()
    auth: AuthSettings = AuthSettings()
    keymap: dict[str, str] = {}  # binding id -> keys, e.g. complete-step = "D"
    theme: str | None = None  # dark, light, high-contrast, ansi
    mouse: bool = True
    ascii: bool = False
    patient_mask: Literal["initials-mrn", "mrn", "name"] = "initials-mrn"
    # What is checked for each patient on ward rounds (W); a site lists its own in config.
    rounds_checklist: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ROUNDS_CHECKLIST), max_length=20
    )

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
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
