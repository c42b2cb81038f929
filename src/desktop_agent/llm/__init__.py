"""Talking to language models behind any OpenAI-compatible endpoint.

`types` holds the small vocabulary the planners are written against
(`ChatModel`, `ChatMessage`, `ChatReply`, `Usage`); `config` reads the per-role
settings; `client` is the `openai`-package implementation with retries,
timeouts and cost accounting; `usage` keeps the per-role and per-run totals.
"""

from .client import OpenAIChatModel
from .config import ModelsConfig, RoleConfig, default_config_path, load_config, resolve_api_key
from .errors import (
    CostLimitReached,
    GroundingCostLimitReached,
    ModelBadAnswer,
    ModelConfigError,
    ModelError,
    ModelHttpError,
    ModelNotConfigured,
    ModelRateLimited,
    ModelTimeout,
    ModelUnreachable,
)
from .types import ChatMessage, ChatModel, ChatReply, Usage
from .usage import GroundingUsage, UsageMeter, cost_of

__all__ = [
    "ChatMessage",
    "ChatModel",
    "ChatReply",
    "CostLimitReached",
    "GroundingCostLimitReached",
    "GroundingUsage",
    "ModelBadAnswer",
    "ModelConfigError",
    "ModelError",
    "ModelHttpError",
    "ModelNotConfigured",
    "ModelRateLimited",
    "ModelTimeout",
    "ModelUnreachable",
    "ModelsConfig",
    "OpenAIChatModel",
    "RoleConfig",
    "Usage",
    "UsageMeter",
    "cost_of",
    "default_config_path",
    "load_config",
    "resolve_api_key",
]
