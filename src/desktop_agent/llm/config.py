"""Per-role model settings: a TOML file in the platform config dir, then DESKTOP_AGENT_* variables.

The file (`default_config_path()`, or `$DESKTOP_AGENT_CONFIG`) has the
sections [model] (every role at once), [planner], [worker], [grounding] and
[limits], plus a top-level `single_model = true|false`. For one key of one
role the first place that sets it wins:

    $DESKTOP_AGENT_<ROLE>_<KEY>  >  $DESKTOP_AGENT_<KEY>  >  [<role>]  >  [model]
      >  the partner role's own setting (planner <-> worker only)  >  the default

so one endpoint for everything is a [model] section, and a missing worker
uses the planner's settings and vice versa (prices are not taken from the
partner when the two roles name different models). Mistakes raise
`ModelConfigError` naming the file, the section and the key (or the
variable). API keys never live in the file: a key-like entry is refused; keys
come from the variable named by `api_key_env`, then from the OS keyring
(`keyring set desktop-agent <api_key_env>`), see `resolve_api_key`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ModelConfigError, ModelNotConfigured
from .keys import DEFAULT_API_KEY_ENV, DEFAULT_KEYRING_SERVICE, NO_KEY_PLACEHOLDER, resolve_api_key

__all__ = [
    "DEFAULT_API_KEY_ENV",
    "DEFAULT_KEYRING_SERVICE",
    "NO_KEY_PLACEHOLDER",
    "ROLES",
    "ModelsConfig",
    "RoleConfig",
    "default_config_path",
    "load_config",
    "resolve_api_key",
]

logger = logging.getLogger(__name__)

ROLES = ("planner", "worker", "grounding")
ENV_PREFIX = "DESKTOP_AGENT_"
CONFIG_PATH_ENV = "DESKTOP_AGENT_CONFIG"

_PARTNER = {"planner": "worker", "worker": "planner"}
_ROLE_KEYS: dict[str, type] = {
    "base_url": str,
    "model": str,
    "api_key_env": str,
    "keyring_service": str,
    "timeout_s": float,
    "max_retries": int,
    "backoff_s": float,
    "input_usd_per_mtok": float,
    "output_usd_per_mtok": float,
    "max_image_side": int,
    "temperature": float,
}
_PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok")
_LIMIT_KEYS: dict[str, type] = {"max_cost_usd": float, "max_steps": int, "max_minutes": float}
_TOP_LEVEL_KEYS: dict[str, type] = {"single_model": bool}
_SECRET_NAMES = {"api_key", "apikey", "key", "token", "secret", "password", "authorization"}
_SECRET_SUFFIXES = ("_api_key", "_key", "_token", "_secret", "_password")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _problem(key: str, value: Any) -> str | None:
    """What is wrong with one (already typed) setting, or None."""
    if key == "base_url" and not str(value).startswith(("http://", "https://")):
        return "must start with http:// or https:// (e.g. http://localhost:11434/v1)"
    if key in ("model", "api_key_env", "keyring_service") and not str(value).strip():
        return "must not be empty"
    if key == "timeout_s" and value <= 0:
        return "must be > 0"
    if key in ("max_retries", "backoff_s", "temperature", "max_cost_usd") and value < 0:
        return "must be >= 0"
    if key in _PRICE_KEYS and value < 0:
        return "must be >= 0"
    if key == "max_image_side" and value < 64:
        return "must be >= 64"
    if key in ("max_steps",) and value < 1:
        return "must be >= 1"
    if key == "max_minutes" and value <= 0:
        return "must be > 0"
    return None


@dataclass(frozen=True)
class RoleConfig:
    """Where one role's model is and how to talk to it; never the key itself."""

    base_url: str
    model: str
    api_key_env: str = DEFAULT_API_KEY_ENV
    keyring_service: str | None = None  # None: "desktop-agent"
    timeout_s: float = 60.0
    max_retries: int = 3
    backoff_s: float = 1.0
    input_usd_per_mtok: float = 0.0
    output_usd_per_mtok: float = 0.0
    max_image_side: int = 1280
    temperature: float = 0.0

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            problem = None if value is None else _problem(item.name, value)
            if problem:
                raise ValueError(f"RoleConfig.{item.name} {problem}, not {value!r}")


@dataclass(frozen=True)
class ModelsConfig:
    """Every role's settings and the run's limits. `role()` applies the fallbacks."""

    planner: RoleConfig | None = None
    worker: RoleConfig | None = None
    grounding: RoleConfig | None = None
    max_cost_usd: float | None = None
    max_steps: int = 30
    max_minutes: float | None = None
    single_model: bool = False
    # Where the settings came from, for "how to configure" messages.
    config_path: Path | None = field(default=None, compare=False)

    def role(self, name: str) -> RoleConfig:
        """The settings for `name`; worker and planner stand in for each other."""
        if name not in ROLES:
            raise ValueError(f"unknown model role {name!r}; roles are {', '.join(ROLES)}")
        config: RoleConfig | None = getattr(self, name)
        if config is None and name in _PARTNER:
            config = getattr(self, _PARTNER[name])
        if config is None:
            raise ModelNotConfigured(role=name, config_path=self.config_path)
        return config

    def is_configured(self, name: str) -> bool:
        try:
            self.role(name)
        except ModelNotConfigured:
            return False
        return True


def default_config_path() -> Path:
    """config.toml in the platform's user config dir (~/.config/desktop-agent on Linux)."""
    return Path(platformdirs.user_config_dir("desktop-agent", appauthor=False)) / "config.toml"


# A setting with where it came from: ("value", "/path/config.toml [planner] model").
_Sourced = tuple[Any, str]


def _typed(value: Any, kind: type, where: str) -> Any:
    """A TOML value checked against `kind` (ints pass as floats, bools never as numbers)."""
    ok = (
        isinstance(value, kind)
        if kind is not float
        else isinstance(value, (int, float)) and not isinstance(value, bool)
    )
    if kind is int and isinstance(value, bool):
        ok = False
    if not ok:
        raise ModelConfigError(
            f"{where}: expected {kind.__name__}, got {type(value).__name__}; fix the value"
        )
    return float(value) if kind is float else value


def _from_text(text: str, kind: type, where: str) -> Any:
    """An environment variable's text as `kind`."""
    text = text.strip()
    try:
        if kind is bool:
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError(text)
        return kind(text)
    except ValueError:
        raise ModelConfigError(
            f"{where}: expected {kind.__name__}, got {text!r}; fix or unset the variable"
        ) from None


def _checked(key: str, value: Any, where: str) -> _Sourced:
    problem = _problem(key, value)
    if problem:
        raise ModelConfigError(f"{where} {problem}, not {value!r}")
    return value, where


def _is_secret_name(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def _read_section(
    table: Mapping[str, Any], allowed: Mapping[str, type], path: Path, section: str
) -> dict[str, _Sourced]:
    values: dict[str, _Sourced] = {}
    for key, value in table.items():
        where = f"{path} [{section}] {key}" if section else f"{path}: {key}"
        if _is_secret_name(key):
            raise ModelConfigError(
                f"{where}: API keys are never read from the config file; remove it, then put "
                f"the key in the environment variable named by api_key_env (default "
                f"${DEFAULT_API_KEY_ENV}) or in the OS keyring: "
                f"keyring set {DEFAULT_KEYRING_SERVICE} {DEFAULT_API_KEY_ENV}"
            )
        if key not in allowed:
            raise ModelConfigError(
                f"{where}: unknown key; known keys here: {', '.join(sorted(allowed))}"
            )
        values[key] = _checked(key, _typed(value, allowed[key], where), where)
    return values


def _read_file(path: Path) -> dict[str, dict[str, _Sourced]]:
    """{section: {key: (value, where)}}; section "" holds the top-level keys."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ModelConfigError(f"{path} is not valid TOML: {err}") from None
    except OSError as err:
        raise ModelConfigError(f"cannot read the config file {path}: {err.strerror}") from None
    sections: dict[str, dict[str, _Sourced]] = {}
    top_level = {k: v for k, v in data.items() if not isinstance(v, dict)}
    sections[""] = _read_section(top_level, _TOP_LEVEL_KEYS, path, "")
    known = ("model", *ROLES, "limits")
    for name, table in data.items():
        if not isinstance(table, dict):
            continue
        if name not in known:
            raise ModelConfigError(
                f"{path}: unknown section [{name}]; known sections: "
                + ", ".join(f"[{s}]" for s in known)
            )
        allowed = _LIMIT_KEYS if name == "limits" else _ROLE_KEYS
        sections[name] = _read_section(table, allowed, path, name)
    return sections


def _read_env(
    env: Mapping[str, str], names: Mapping[str, type], prefix: str
) -> dict[str, _Sourced]:
    values: dict[str, _Sourced] = {}
    for key, kind in names.items():
        variable = f"{prefix}{key.upper()}"
        text = env.get(variable, "")
        if text.strip():
            where = f"${variable}"
            values[key] = _checked(key, _from_text(text, kind, where), where)
    return values


def _layers(
    role: str, file: Mapping[str, dict[str, _Sourced]], env: Mapping[str, str]
) -> tuple[list[dict[str, _Sourced]], dict[str, _Sourced]]:
    """(the role's layers without the partner, highest first), its own settings only."""
    own_env = _read_env(env, _ROLE_KEYS, f"{ENV_PREFIX}{role.upper()}_")
    own = {**file.get(role, {}), **own_env}
    shared_env = _read_env(env, _ROLE_KEYS, ENV_PREFIX)
    return [own_env, shared_env, file.get(role, {}), file.get("model", {})], own


def _merge(layers: list[dict[str, _Sourced]]) -> dict[str, _Sourced]:
    merged: dict[str, _Sourced] = {}
    for layer in reversed(layers):  # lowest first, so higher layers overwrite
        merged.update(layer)
    return merged


def _resolve_roles(
    file: Mapping[str, dict[str, _Sourced]], env: Mapping[str, str], path: Path
) -> dict[str, RoleConfig | None]:
    alone: dict[str, dict[str, _Sourced]] = {}
    own: dict[str, dict[str, _Sourced]] = {}
    for role in ROLES:
        layers, own[role] = _layers(role, file, env)
        alone[role] = _merge(layers)
    resolved: dict[str, RoleConfig | None] = {}
    for role in ROLES:
        values = dict(alone[role])
        partner = _PARTNER.get(role)
        if partner:
            mine, theirs = values.get("model"), alone[partner].get("model")
            same_model = mine is None or theirs is None or mine[0] == theirs[0]
            for key, sourced in own[partner].items():
                if key not in values and (same_model or key not in _PRICE_KEYS):
                    values[key] = sourced
        resolved[role] = _build(role, values, path)
    return resolved


def _build(role: str, values: dict[str, _Sourced], path: Path) -> RoleConfig | None:
    essentials = {k: values[k] for k in ("base_url", "model") if k in values}
    if not essentials:
        return None
    if len(essentials) == 1:
        have, (_, where) = next(iter(essentials.items()))
        lacking = "model" if have == "base_url" else "base_url"
        raise ModelConfigError(
            f"the {role} role has {have} (from {where}) but no {lacking}; set {lacking} in "
            f"[{role}] or [model] in {path}, or ${ENV_PREFIX}{role.upper()}_{lacking.upper()}"
        )
    return RoleConfig(**{key: value for key, (value, _) in values.items()})


def _config_path(path: Path | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """(the path, whether it must exist): explicit paths must, the default need not."""
    if path is not None:
        return Path(path), True
    named = env.get(CONFIG_PATH_ENV, "").strip()
    if named:
        return Path(named).expanduser(), True
    return default_config_path(), False


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> ModelsConfig:
    """Read the TOML file (if any), apply DESKTOP_AGENT_* overrides, resolve the fallbacks.

    Raises `ModelConfigError` for a file or variable that cannot be used. A
    config with no role set is valid (local mode); `ModelsConfig.role()` then
    raises `ModelNotConfigured` with the how-to.
    """
    env = os.environ if env is None else env
    config_path, must_exist = _config_path(path, env)
    if config_path.is_file():
        file = _read_file(config_path)
        logger.debug("model config read from %s", config_path)
    elif must_exist:
        raise ModelConfigError(
            f"the config file {config_path} does not exist; create it (see docs/models.md) "
            f"or drop the path to use {default_config_path()}"
        )
    else:
        file = {}
        logger.debug("no model config file at %s; using the environment only", config_path)
    roles = _resolve_roles(file, env, config_path)
    limits = {**file.get("limits", {}), **_read_env(env, _LIMIT_KEYS, ENV_PREFIX)}
    top = {**file.get("", {}), **_read_env(env, _TOP_LEVEL_KEYS, ENV_PREFIX)}
    extra: dict[str, Any] = {key: value for key, (value, _) in {**limits, **top}.items()}
    return ModelsConfig(
        planner=roles["planner"],
        worker=roles["worker"],
        grounding=roles["grounding"],
        config_path=config_path,
        **extra,
    )
