"""Shared pieces of the planning tests: real clients on the replay server, screens, steps."""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw

from desktop_agent.actions import Action
from desktop_agent.desktop.dry_run import DryRunDesktop
from desktop_agent.events import RunFinished
from desktop_agent.executor import ActionExecutor, ExecutorConfig
from desktop_agent.llm.client import OpenAIChatModel
from desktop_agent.llm.config import RoleConfig
from desktop_agent.llm.usage import UsageMeter
from desktop_agent.loop import Agent, AgentConfig
from desktop_agent.observation import Observation
from desktop_agent.planning import HierarchicalPlanner
from desktop_agent.step import Step, StepStatus
from grounding.replay_server import RecordedRequest, ReplayServer

SECRET = "sk-test-planning-Secret-91c2"


def chat_model(
    server: ReplayServer,
    role: str = "planner",
    *,
    model: str = "m",
    meter: UsageMeter | None = None,
    **config: Any,
) -> OpenAIChatModel:
    """The real client, pointed at the replay server (no retries, short timeout)."""
    config.setdefault("max_retries", 0)
    config.setdefault("timeout_s", 10.0)
    return OpenAIChatModel(
        role,
        RoleConfig(base_url=server.base_url, model=model, **config),
        meter=meter,
        api_key=SECRET,
    )


def screen(shade: int = 0, size: tuple[int, int] = (640, 400)) -> Image.Image:
    """A plain screen; a different `shade` draws a visibly different one."""
    image = Image.new("RGB", size, (235, 235, 235))
    if shade:
        ImageDraw.Draw(image).rectangle((20, 20, 20 + 40 * shade, 120), fill=(20, 40, 200))
    return image


def observe(image: Image.Image, *, active_window: str = "Editor", **extra: Any) -> Observation:
    return Observation(image, 0.0, active_window=active_window, extra=extra)


def action_answer(code: str, *, completes: bool = False, thought: str = "next.") -> str:
    """An answer in the worker's format: thought, the action in a fence, the completion flag."""
    flag = "yes" if completes else "no"
    return f"Thought: {thought}\n```\n{code}\n```\nCompletes subgoal: {flag}"


def with_first_action(plan_text: str, code: str, *, completes: bool = False) -> str:
    """A manager answer (reasoning and `Subgoals:` list) that also chooses the first action."""
    return f"{plan_text}\n\nFirst action:\n{action_answer(code, completes=completes)}"


def steps(
    *actions: Action, status: StepStatus = StepStatus.OK, error: str | None = None
) -> list[Step]:
    """Steps 1..n for `actions`; the last one gets `status` and `error`."""
    out = [Step(index=i, action=a) for i, a in enumerate(actions, 1)]
    if out and status != StepStatus.OK:
        last = out[-1]
        out[-1] = Step(index=last.index, action=last.action, status=status, error=error)
    return out


def prompt_text(request: RecordedRequest) -> str:
    """Every text part the client sent, joined."""
    texts: list[str] = []
    for message in request.body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            texts.append(content)
        else:
            texts.extend(p["text"] for p in content if p["type"] == "text")
    return "\n".join(texts)


def sent_images(request: RecordedRequest) -> list[Image.Image]:
    images: list[Image.Image] = []
    for message in request.body["messages"]:
        content = message["content"]
        if isinstance(content, list):
            for part in content:
                if part["type"] == "image_url":
                    data = part["image_url"]["url"].split(",", 1)[1]
                    images.append(Image.open(io.BytesIO(base64.b64decode(data))))
    return images


class ChangingDesktop(DryRunDesktop):
    """A dry-run desktop whose screen changes after every input, like a live app."""

    def __init__(self, size: tuple[int, int] = (640, 400)) -> None:
        super().__init__(size=size)

    def screenshot(self) -> Image.Image:
        image = Image.new("RGB", self.size, (235, 235, 235))
        draw = ImageDraw.Draw(image)
        for n in range(len(self.calls)):
            draw.rectangle((10 + 30 * n, 10, 30 + 30 * n, 60), fill=(200, 30, 30))
        return image


def purposes(exchanges: Sequence[Any]) -> list[str]:
    return [e.purpose for e in exchanges]


def run_agent(planner: HierarchicalPlanner, desktop: DryRunDesktop) -> tuple[Agent, RunFinished]:
    """Run the planner's instruction through the real agent loop (no grounder)."""
    stop = threading.Event()
    executor = ActionExecutor(
        desktop, None, config=ExecutorConfig(find_timeout_s=0.0), stop_event=stop
    )
    agent = Agent(
        desktop,
        planner,
        executor,
        config=AgentConfig(settle_timeout_s=0.05, max_steps=20),
        stop_event=stop,
    )
    events = list(agent.run(planner.instruction))
    final = events[-1]
    assert isinstance(final, RunFinished)
    return agent, final
