"""Typed events the agent loop yields; the CLI prints them, the Qt app shows them."""

from __future__ import annotations

from dataclasses import dataclass

from .actions import Action
from .step import Step


@dataclass(frozen=True)
class RunStarted:
    instruction: str
    folder: str | None


@dataclass(frozen=True)
class StepStarted:
    index: int
    action: Action
    source_text: str


@dataclass(frozen=True)
class StepFinished:
    step: Step


@dataclass(frozen=True)
class RunFinished:
    status: str  # done | failed | stopped | error
    reason: str
    steps: int
    folder: str | None


AgentEvent = RunStarted | StepStarted | StepFinished | RunFinished
