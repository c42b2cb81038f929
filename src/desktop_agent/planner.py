"""Planners decide the next action. The agent loop asks; the planner answers.

`ScriptedPlanner` replays a fixed list of actions: local mode (a direct
instruction turned into actions, no model) and the benchmarks use it. Model
planners implement the same Protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .actions import Action, Done
from .observation import Observation
from .step import Step


@dataclass(frozen=True)
class Decision:
    """A planner's answer: the action and the text it came from."""

    action: Action
    source_text: str = ""
    plan: tuple[str, ...] = ()


class Planner(Protocol):
    def next_action(self, observation: Observation, history: Sequence[Step]) -> Decision: ...


class ScriptedPlanner:
    """Returns the given actions in order, then done()."""

    def __init__(self, actions: Sequence[Action], *, source_texts: Sequence[str] = ()) -> None:
        self.actions = list(actions)
        self.source_texts = list(source_texts)
        self._next = 0

    def next_action(self, observation: Observation, history: Sequence[Step]) -> Decision:
        if self._next >= len(self.actions):
            return Decision(Done("all commands carried out"))
        action = self.actions[self._next]
        text = self.source_texts[self._next] if self._next < len(self.source_texts) else ""
        self._next += 1
        plan = tuple(a.to_code() for a in self.actions[self._next :])
        return Decision(action, text or action.to_code(), plan)
