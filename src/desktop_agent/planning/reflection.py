"""Reflection: one model call, made only when a progress check fires.

The answer is `Verdict: retry` (the advice goes into the worker's next
prompt) or `Verdict: replan` (the manager makes a new plan from here).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from desktop_agent.errors import ParseError
from desktop_agent.llm.types import ChatMessage, ChatModel
from desktop_agent.observation import Observation
from desktop_agent.step import Step

from .context import format_steps
from .exchanges import ModelCaller, screenshot_ref
from .templates import render

logger = logging.getLogger(__name__)

REFLECTION_ANSWER_FORMAT = (
    "Verdict: <retry or replan>\nAdvice: <one or two sentences on what to do differently>"
)
_VERDICT = re.compile(r"verdict\W*\s*:?\s*\W*(retry|replan)\b", re.IGNORECASE)
_ADVICE = re.compile(r"advice\W*\s*:?\s*(.+)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Reflection:
    verdict: Literal["retry", "replan"]
    advice: str


def parse_reflection(text: str) -> Reflection:
    verdict = _VERDICT.search(text)
    if verdict is None:
        raise ParseError(
            "no verdict found; write `Verdict: retry` or `Verdict: replan` on its own line. "
            f"Answer in this format:\n{REFLECTION_ANSWER_FORMAT}"
        )
    advice = _ADVICE.search(text[verdict.end() :]) or _ADVICE.search(text)
    advice_text = " ".join(advice.group(1).split()) if advice else ""
    if not advice_text:
        raise ParseError(
            "no advice found; after the verdict write `Advice:` and what to do differently. "
            f"Answer in this format:\n{REFLECTION_ANSWER_FORMAT}"
        )
    kind: Literal["retry", "replan"] = "retry" if verdict.group(1).lower() == "retry" else "replan"
    return Reflection(kind, advice_text[:600])


class Reflector:
    def __init__(
        self,
        model: ChatModel,
        *,
        caller: ModelCaller | None = None,
        history_steps: int = 8,
        max_parse_retries: int = 1,
    ) -> None:
        self.model = model
        self.caller = caller or ModelCaller()
        self.history_steps = history_steps
        self.max_parse_retries = max_parse_retries

    def reflect(
        self,
        instruction: str,
        subgoal: str,
        check: str,
        observation: Observation,
        history: Sequence[Step],
    ) -> Reflection:
        prompt = render(
            "reflection",
            instruction=instruction,
            subgoal=subgoal,
            check=check,
            history=format_steps(history, self.history_steps),
        )
        message = ChatMessage(
            "user",
            prompt,
            images=(observation.screenshot,),
            image_refs=(screenshot_ref(self.caller.step),),
        )
        reflection, _ = self.caller.ask(
            self.model,
            [message],
            parse_reflection,
            purpose="reflection",
            answer_format=REFLECTION_ANSWER_FORMAT,
            max_retries=self.max_parse_retries,
        )
        logger.info("reflection on %r: %s", check, reflection)
        return reflection
