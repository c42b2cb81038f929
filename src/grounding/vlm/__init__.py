"""The VLM expert: grounding through a multimodal model behind an OpenAI-compatible endpoint."""

from .client import (
    FittedImage,
    Usage,
    VlmBadAnswer,
    VlmClient,
    VlmConfig,
    VlmError,
    VlmHttpError,
    VlmReply,
    VlmTimeout,
    VlmUnreachable,
    VlmUsageHook,
    fit_image,
)
from .expert import VlmGrounder
from .marks import draw_marks
from .parse import ParsedPoint, parse_mark, parse_point

__all__ = [
    "FittedImage",
    "ParsedPoint",
    "Usage",
    "VlmBadAnswer",
    "VlmClient",
    "VlmConfig",
    "VlmError",
    "VlmGrounder",
    "VlmHttpError",
    "VlmReply",
    "VlmTimeout",
    "VlmUnreachable",
    "VlmUsageHook",
    "draw_marks",
    "fit_image",
    "parse_mark",
    "parse_point",
]
