"""Models from the config: the planner for a run, its usage meter, the grounding VLM.

The composition root's model half: `session.run_instruction` asks here for a
planner when a model is configured (`ModelsConfig.is_configured("planner")`),
and for the grounding VLM when the grounding role is configured. `grounding`
knows nothing of the agent's config, so its `VlmConfig` is built here from the
role's `RoleConfig`, and its calls are booked in the run's `UsageMeter` (role
"grounding", the role's prices, the run's cost ceiling) through a usage hook.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop_agent.llm import (
    GroundingUsage,
    ModelConfigError,
    ModelsConfig,
    OpenAIChatModel,
    RoleConfig,
    UsageMeter,
)
from desktop_agent.llm.config import resolve_api_key
from desktop_agent.planner import Planner
from desktop_agent.planning import (
    ExampleSource,
    HierarchicalConfig,
    HierarchicalPlanner,
    SingleModelConfig,
    SingleModelPlanner,
)
from grounding import Grounder
from grounding.vlm import VlmClient, VlmConfig, VlmGrounder

__all__ = ["ModelRun", "attach_grounding_vlm", "build_meter", "build_model_run", "vlm_config"]

logger = logging.getLogger(__name__)

FRAME_ENV = "DESKTOP_AGENT_VLM_FRAME"  # how the grounding model answers points


@dataclass(frozen=True, kw_only=True)
class ModelLimits:
    """What the command line overrides of the config's [limits]."""

    max_cost_usd: float | None = None
    max_minutes: float | None = None
    single_model: bool = False


@dataclass
class ModelRun:
    """A model planner for one instruction, the meter it spends through, what it is."""

    planner: Planner
    meter: UsageMeter
    mode: str  # hierarchical | single_model
    models: dict[str, str] = field(default_factory=dict)  # role -> model name
    clients: list[OpenAIChatModel] = field(default_factory=list)

    def close(self) -> None:
        """Close the clients' HTTP connections (call when the run has ended)."""
        for client in self.clients:
            client.close()


def build_meter(config: ModelsConfig, limits: ModelLimits | None = None) -> UsageMeter:
    """The run's meter, with the flag's cost ceiling or else the config's."""
    limits = limits or ModelLimits()
    max_cost = limits.max_cost_usd if limits.max_cost_usd is not None else config.max_cost_usd
    return UsageMeter(max_cost_usd=max_cost)


def build_model_run(
    instruction: str,
    config: ModelsConfig,
    limits: ModelLimits | None = None,
    *,
    examples: ExampleSource | None = None,
) -> ModelRun:
    """The planner `config` describes (raises `ModelNotConfigured` when it describes none)."""
    limits = limits or ModelLimits()
    minutes = limits.max_minutes if limits.max_minutes is not None else config.max_minutes
    max_time_s = minutes * 60 if minutes is not None else None
    meter = build_meter(config, limits)
    planner_role = config.role("planner")
    if limits.single_model or config.single_model:
        model = OpenAIChatModel("planner", planner_role, meter=meter)
        planner: Planner = SingleModelPlanner(
            instruction,
            model,
            config=SingleModelConfig(
                max_time_s=max_time_s,
                # Never larger than the client sends: absolute points stay exact.
                max_image_side=planner_role.max_image_side,
            ),
        )
        models = {"planner": planner_role.model}
        return ModelRun(planner, meter, "single_model", models, [model])
    worker_role = config.role("worker")
    manager_model = OpenAIChatModel("planner", planner_role, meter=meter)
    worker_model = OpenAIChatModel("worker", worker_role, meter=meter)
    planner = HierarchicalPlanner(
        instruction,
        manager_model,
        worker_model,
        examples=examples,
        config=HierarchicalConfig(max_time_s=max_time_s),
    )
    models = {"planner": planner_role.model, "worker": worker_role.model}
    return ModelRun(planner, meter, "hierarchical", models, [manager_model, worker_model])


def vlm_config(role: RoleConfig, env: Mapping[str, str] | None = None) -> VlmConfig:
    """The grounding expert's settings from the grounding role's."""
    env = os.environ if env is None else env
    frame = env.get(FRAME_ENV, "absolute").strip() or "absolute"
    if frame not in ("absolute", "relative1000"):
        # A ModelConfigError (an AgentError): the CLI reports it instead of a traceback.
        raise ModelConfigError(
            f"${FRAME_ENV} must be 'absolute' or 'relative1000', not {frame!r}; "
            "fix or unset the variable"
        )
    return VlmConfig(
        base_url=role.base_url,
        model=role.model,
        api_key_env=role.api_key_env,
        timeout_s=role.timeout_s,
        max_retries=role.max_retries,
        max_image_side=role.max_image_side,
        coordinate_frame=frame,  # type: ignore[arg-type]
        temperature=role.temperature,
    )


def attach_grounding_vlm(
    grounder: Grounder, config: ModelsConfig, meter: UsageMeter | None = None
) -> bool:
    """Give `grounder` the configured grounding model; False when none is configured.

    With `meter` (the run's), each VLM call is booked there under "grounding"
    at the role's prices, and refused once the run's cost ceiling is reached.
    """
    if not config.is_configured("grounding"):
        return False
    role = config.role("grounding")
    # The key from the role's variable or the OS keyring (registered for redaction).
    key = resolve_api_key(role)
    hook = GroundingUsage(meter, role) if meter is not None else None
    client = VlmClient(vlm_config(role), environ={role.api_key_env: key}, usage_hook=hook)
    grounder.vlm = VlmGrounder(client)
    logger.info("grounding VLM: %s at %s", role.model, role.base_url)
    return True
