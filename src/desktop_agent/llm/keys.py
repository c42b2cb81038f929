"""Where an API key comes from: an environment variable, then the OS keyring.

Never from a file: the config names only the variable (`api_key_env`) and the
keyring service. Local servers (vLLM, Ollama, LM Studio) take any key, so
with none found they get a placeholder; a hosted endpoint with no key is a
`ModelNotConfigured` that says where to put one.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import ModelNotConfigured

if TYPE_CHECKING:
    from .config import RoleConfig

__all__ = [
    "DEFAULT_API_KEY_ENV",
    "DEFAULT_KEYRING_SERVICE",
    "NO_KEY_PLACEHOLDER",
    "resolve_api_key",
]

logger = logging.getLogger(__name__)

DEFAULT_API_KEY_ENV = "DESKTOP_AGENT_API_KEY"
DEFAULT_KEYRING_SERVICE = "desktop-agent"
# vLLM, Ollama and LM Studio take any key; the SDK insists on one.
NO_KEY_PLACEHOLDER = "EMPTY"


def _is_local(base_url: str) -> bool:
    """Loopback, private-network and single-label hosts: servers that take any key."""
    host = (urlsplit(base_url).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass  # a name, not an address
    else:
        # An IPv6 literal has no dot either: classify addresses by what they are.
        return address.is_loopback or address.is_private or address.is_link_local
    return host == "localhost" or host.endswith((".localhost", ".local", ".lan")) or "." not in host


def _keyring_password(service: str, username: str) -> str | None:
    try:
        import keyring  # optional: pip install 'desktop-agent[keyring]'
    except ImportError:
        return None
    try:
        password = keyring.get_password(service, username)
    except Exception as err:  # any backend failure (no D-Bus, locked store) means "no key here"
        logger.debug("keyring lookup %s/%s failed: %s", service, username, type(err).__name__)
        return None
    return password if isinstance(password, str) else None


def resolve_api_key(config: RoleConfig, env: Mapping[str, str] | None = None) -> str:
    """The key for `config`: $api_key_env, then the OS keyring, then "EMPTY" for local servers.

    The keyring entry is service `keyring_service` (default "desktop-agent"),
    user name `api_key_env`. Keys are registered with the redaction module so
    they are scrubbed from trajectories and logs. A hosted (non-local)
    endpoint with no key anywhere raises `ModelNotConfigured`.
    """
    from desktop_agent.redaction import register_secret

    env = os.environ if env is None else env
    key = env.get(config.api_key_env, "").strip()
    if not key:
        service = config.keyring_service or DEFAULT_KEYRING_SERVICE
        key = (_keyring_password(service, config.api_key_env) or "").strip()
    if key:
        register_secret(key)
        return key
    if _is_local(config.base_url):
        logger.debug(
            "no API key in $%s or the keyring; sending a placeholder to local %s",
            config.api_key_env,
            config.base_url,
        )
        return NO_KEY_PLACEHOLDER
    service = config.keyring_service or DEFAULT_KEYRING_SERVICE
    raise ModelNotConfigured(
        f"no API key for {config.base_url} (model {config.model}): set ${config.api_key_env} "
        f"or store it with `keyring set {service} {config.api_key_env}` "
        "(pip install 'desktop-agent[keyring]'); see docs/models.md.",
        add_how_to=False,
    )
