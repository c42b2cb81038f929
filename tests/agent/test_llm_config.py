"""Model config: the TOML file, DESKTOP_AGENT_* overrides, role fallbacks, keys, mistakes."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_agent.errors import AgentError
from desktop_agent.llm.config import (
    ModelsConfig,
    RoleConfig,
    default_config_path,
    load_config,
    resolve_api_key,
)
from desktop_agent.llm.errors import ModelConfigError, ModelError, ModelNotConfigured
from desktop_agent.redaction import clear_registered_secrets, redact_text

OLLAMA = "http://localhost:11434/v1"


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    clear_registered_secrets()  # resolve_api_key registers every key it finds


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_path_is_config_toml_in_the_platform_config_dir() -> None:
    path = default_config_path()
    assert path.name == "config.toml"
    assert path.parent.name == "desktop-agent"


def test_no_file_and_no_env_is_valid_but_every_role_says_how_to_configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "desktop_agent.llm.config.default_config_path", lambda: tmp_path / "none.toml"
    )
    config = load_config(env={})
    assert (config.planner, config.worker, config.grounding) == (None, None, None)
    assert not config.is_configured("planner")
    with pytest.raises(ModelNotConfigured) as caught:
        config.role("planner")
    message = str(caught.value)
    assert str(tmp_path / "none.toml") in message
    assert "DESKTOP_AGENT_BASE_URL" in message
    assert "DESKTOP_AGENT_MODEL" in message
    assert "[model]" in message
    assert "base_url = " in message
    assert isinstance(caught.value, ModelError)
    assert isinstance(caught.value, AgentError)


def test_model_section_sets_every_role(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'[model]\nbase_url = "{OLLAMA}"\nmodel = "qwen2.5vl:7b"\ntimeout_s = 20\n',
    )
    config = load_config(path, env={})
    for role in ("planner", "worker", "grounding"):
        assert config.role(role) == RoleConfig(base_url=OLLAMA, model="qwen2.5vl:7b", timeout_s=20)
    assert config.config_path == path


def test_role_sections_override_model_section_key_by_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
[model]
base_url = "{OLLAMA}"
model = "big"
max_retries = 5

[worker]
model = "small"

[grounding]
base_url = "http://gpu-box:8000/v1"
model = "ui-tars"
max_image_side = 1024
""",
    )
    config = load_config(path, env={})
    assert config.role("planner").model == "big"
    worker = config.role("worker")
    assert (worker.base_url, worker.model, worker.max_retries) == (OLLAMA, "small", 5)
    grounding = config.role("grounding")
    assert (grounding.base_url, grounding.model) == ("http://gpu-box:8000/v1", "ui-tars")
    assert grounding.max_image_side == 1024


def test_missing_worker_uses_the_planner_and_vice_versa(tmp_path: Path) -> None:
    planner_only = write(
        tmp_path,
        '[planner]\nbase_url = "https://api.openai.com/v1"\nmodel = "gpt-4o"\n'
        "input_usd_per_mtok = 2.5\noutput_usd_per_mtok = 10\n",
    )
    config = load_config(planner_only, env={})
    assert config.worker == config.planner
    assert config.role("worker").output_usd_per_mtok == 10.0
    assert config.grounding is None  # the grounding VLM never borrows a chat model

    worker_only = write(tmp_path, f'[worker]\nbase_url = "{OLLAMA}"\nmodel = "qwen3"\n')
    assert load_config(worker_only, env={}).role("planner").model == "qwen3"

    # Built by hand (as tests and other code do), role() applies the same fallback.
    hand_made = ModelsConfig(planner=None, worker=RoleConfig(OLLAMA, "w"), grounding=None)
    assert hand_made.role("planner").model == "w"
    with pytest.raises(ModelNotConfigured, match="grounding"):
        hand_made.role("grounding")


def test_partner_prices_are_not_borrowed_for_a_different_model(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[planner]\nbase_url = "https://api.openai.com/v1"\nmodel = "gpt-4o"\n'
        'input_usd_per_mtok = 2.5\n[worker]\nmodel = "gpt-4o-mini"\n',
    )
    worker = load_config(path, env={}).role("worker")
    assert worker.base_url == "https://api.openai.com/v1"  # connection settings are shared
    assert worker.model == "gpt-4o-mini"
    assert worker.input_usd_per_mtok == 0.0


def test_env_overrides_file_per_role_beats_all_roles(tmp_path: Path) -> None:
    path = write(tmp_path, f'[model]\nbase_url = "{OLLAMA}"\nmodel = "file-model"\n')
    env = {
        "DESKTOP_AGENT_MODEL": "env-model",
        "DESKTOP_AGENT_WORKER_MODEL": "env-worker",
        "DESKTOP_AGENT_GROUNDING_BASE_URL": "http://localhost:8000/v1",
        "DESKTOP_AGENT_PLANNER_TIMEOUT_S": "12.5",
        "DESKTOP_AGENT_MAX_RETRIES": "7",
        "DESKTOP_AGENT_MAX_COST_USD": "0.75",
        "DESKTOP_AGENT_MAX_STEPS": "12",
        "DESKTOP_AGENT_SINGLE_MODEL": "yes",
    }
    config = load_config(path, env=env)
    assert config.role("planner").model == "env-model"
    assert config.role("planner").timeout_s == 12.5
    assert config.role("worker").model == "env-worker"
    # The worker sets no timeout of its own, so it takes its partner's; grounding does not.
    assert config.role("worker").timeout_s == 12.5
    assert config.role("grounding").timeout_s == 60.0
    assert config.role("grounding").base_url == "http://localhost:8000/v1"
    assert {config.role(r).max_retries for r in ("planner", "worker", "grounding")} == {7}
    assert (config.max_cost_usd, config.max_steps, config.single_model) == (0.75, 12, True)


def test_env_alone_configures_a_model_without_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "desktop_agent.llm.config.default_config_path", lambda: tmp_path / "absent.toml"
    )
    config = load_config(env={"DESKTOP_AGENT_BASE_URL": OLLAMA, "DESKTOP_AGENT_MODEL": "m"})
    assert config.role("worker") == RoleConfig(OLLAMA, "m")


def test_config_path_from_env_and_limits_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "single_model = true\n[limits]\nmax_cost_usd = 2\nmax_steps = 50\nmax_minutes = 15\n",
    )
    config = load_config(env={"DESKTOP_AGENT_CONFIG": str(path)})
    assert config.max_cost_usd == 2.0
    assert config.max_steps == 50
    assert config.max_minutes == 15.0
    assert config.single_model is True
    assert config.planner is None


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelConfigError, match=r"does not exist"):
        load_config(tmp_path / "missing.toml", env={})


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ('[planner]\nbase_url = "http://x/v1"\nmodle = "m"\n', ["[planner]", "modle", "model"]),
        ("[limits]\nmax_steps = 2.5\n", ["[limits]", "max_steps", "expected int", "float"]),
        ('[worker]\ntimeout_s = "fast"\n', ["[worker]", "timeout_s", "expected float", "str"]),
        ("[model]\nmax_retries = true\n", ["[model]", "max_retries", "expected int"]),
        ('[model]\nbase_url = "localhost:1234"\nmodel = "m"\n', ["[model]", "base_url", "http"]),
        ("[model]\nmax_image_side = 10\n", ["[model]", "max_image_side", ">= 64"]),
        ("[modle]\nmodel = 'm'\n", ["[modle]", "unknown section", "[model]"]),
        ("verbose = true\n", ["verbose", "unknown key"]),
        ("[model\nbroken", ["not valid TOML"]),
    ],
)
def test_mistakes_name_the_file_section_and_key(
    tmp_path: Path, text: str, pieces: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ModelConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert str(path) in message
    for piece in pieces:
        assert piece in message


def test_a_role_with_a_model_but_no_base_url_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[grounding]\nmodel = "ui-tars"\n')
    with pytest.raises(ModelConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert "grounding" in message
    assert "base_url" in message
    assert "[grounding] model" in message  # where the half it has came from


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DESKTOP_AGENT_MAX_COST_USD", "lots", "expected float"),
        ("DESKTOP_AGENT_PLANNER_MAX_RETRIES", "-1", ">= 0"),
        ("DESKTOP_AGENT_SINGLE_MODEL", "maybe", "expected bool"),
        ("DESKTOP_AGENT_BASE_URL", "ftp://x", "http"),
    ],
)
def test_bad_environment_values_name_the_variable(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    path = write(tmp_path, f'[model]\nbase_url = "{OLLAMA}"\nmodel = "m"\n')
    with pytest.raises(ModelConfigError) as caught:
        load_config(path, env={variable: value})
    assert f"${variable}" in str(caught.value)
    assert expected in str(caught.value)


@pytest.mark.parametrize("name", ["api_key", "openai_api_key", "token", "key"])
def test_a_key_written_in_the_file_is_refused_without_quoting_it(tmp_path: Path, name: str) -> None:
    secret = "sk-proj-WrittenInTheFile-123456"
    path = write(tmp_path, f'[planner]\nbase_url = "{OLLAMA}"\nmodel = "m"\n{name} = "{secret}"\n')
    with pytest.raises(ModelConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert secret not in message
    assert "[planner]" in message
    assert name in message
    assert "DESKTOP_AGENT_API_KEY" in message
    assert "keyring set desktop-agent" in message


# --- keys ---------------------------------------------------------------------------------


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the optional keyring package were not installed."""
    monkeypatch.setitem(sys.modules, "keyring", None)


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """A keyring module with an in-memory store (the real package is an optional extra)."""
    store: dict[tuple[str, str], str] = {}
    module = types.ModuleType("keyring")
    module.get_password = lambda service, user: store.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    return store


@pytest.mark.usefixtures("no_keyring")
def test_key_comes_from_the_named_variable() -> None:
    config = RoleConfig("https://api.openai.com/v1", "gpt-4o", api_key_env="MY_OPENAI_KEY")
    assert resolve_api_key(config, {"MY_OPENAI_KEY": " sk-abc-123456789 "}) == "sk-abc-123456789"


def test_key_comes_from_the_keyring_when_the_variable_is_unset(
    fake_keyring: dict[tuple[str, str], str],
) -> None:
    fake_keyring[("desktop-agent", "DESKTOP_AGENT_API_KEY")] = "from-the-keyring-42"
    fake_keyring[("work", "OPENAI_API_KEY")] = "work-keyring-key-7"
    hosted = RoleConfig("https://api.openai.com/v1", "gpt-4o")
    assert resolve_api_key(hosted, {}) == "from-the-keyring-42"
    # A keyring key is registered as a secret, so the redaction scrubs it everywhere.
    assert "from-the-keyring-42" not in redact_text("the key is from-the-keyring-42")
    named = RoleConfig(hosted.base_url, "m", api_key_env="OPENAI_API_KEY", keyring_service="work")
    assert resolve_api_key(named, {}) == "work-keyring-key-7"
    # The variable still wins over the keyring.
    assert resolve_api_key(hosted, {"DESKTOP_AGENT_API_KEY": "env-key-123"}) == "env-key-123"


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize(
    "base_url", [OLLAMA, "http://127.0.0.1:8000/v1", "http://192.168.1.20:1234/v1", "http://gpu/v1"]
)
def test_local_servers_get_a_placeholder_key(base_url: str) -> None:
    assert resolve_api_key(RoleConfig(base_url, "m"), {}) == "EMPTY"


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize(
    "base_url",
    [
        "http://[::1]:8000/v1",
        "http://[fe80::1]:8000/v1",
        "http://[fd12:3456::7]/v1",
        "http://box.local/v1",
    ],
)
def test_local_ipv6_literals_and_local_names_get_a_placeholder_key(base_url: str) -> None:
    assert resolve_api_key(RoleConfig(base_url, "m"), {}) == "EMPTY"


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize(
    "base_url", ["http://[2606:4700:4700::1111]/v1", "https://[2001:4860:4860::8888]:443/v1"]
)
def test_a_public_ipv6_literal_is_hosted_and_needs_a_key(base_url: str) -> None:
    # It has no dot, yet it is not a single-label local name.
    with pytest.raises(ModelNotConfigured, match=r"\$DESKTOP_AGENT_API_KEY"):
        resolve_api_key(RoleConfig(base_url, "m"), {})


@pytest.mark.usefixtures("no_keyring")
def test_a_hosted_endpoint_without_a_key_says_where_to_put_one() -> None:
    with pytest.raises(ModelNotConfigured) as caught:
        resolve_api_key(RoleConfig("https://api.openai.com/v1", "gpt-4o"), {})
    message = str(caught.value)
    assert "$DESKTOP_AGENT_API_KEY" in message
    assert "keyring set desktop-agent DESKTOP_AGENT_API_KEY" in message


def test_role_config_validates_and_its_repr_has_no_key() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        RoleConfig(OLLAMA, "m", timeout_s=0)
    text = repr(RoleConfig(OLLAMA, "m"))
    assert "api_key_env='DESKTOP_AGENT_API_KEY'" in text
    with pytest.raises(ValueError, match="unknown model role"):
        ModelsConfig(None, None, None).role("critic")


def test_every_example_in_docs_models_md_loads(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "models.md"
    examples = re.findall(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    base_urls = set()
    for number, example in enumerate(examples):
        config = load_config(write(tmp_path, example), env={})
        base_urls.add(config.role("planner").base_url)
        assert config.role("worker").model, f"example {number} configures no worker"
    assert base_urls == {
        "https://api.openai.com/v1",
        "http://localhost:8000/v1",
        "http://localhost:11434/v1",
        "http://localhost:1234/v1",
    }
