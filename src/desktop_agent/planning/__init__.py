"""Model planners: a manager that plans subgoals, a worker that acts, progress checks.

`HierarchicalPlanner` (manager + worker + reflection on demand) and
`SingleModelPlanner` (one UI-TARS-style model answering coordinates) both
implement `desktop_agent.planner.Planner`. They depend only on the
`desktop_agent.llm.types.ChatModel` Protocol; prompts are package data in
`prompts/*.md`.
"""

from .errors import ModelAnswerInvalid, PlanningError, TemplateError, TimeLimitReached
from .examples import Example, ExampleSource, NoExamples, StaticExamples
from .exchanges import Exchange, ModelCaller, screenshot_ref
from .hierarchical import HierarchicalConfig, HierarchicalPlanner
from .manager import Manager, ManagerAnswer, parse_manager_answer
from .plan import PlanRevision, PlanState, Subgoal, SubgoalStatus
from .progress import ProgressConfig, ProgressMonitor, screen_changed
from .reflection import Reflection, Reflector, parse_reflection
from .single_model import SingleModelConfig, SingleModelPlanner
from .templates import TEMPLATE_NAMES, render
from .worker import Worker, WorkerAnswer, parse_worker_answer

__all__ = [
    "TEMPLATE_NAMES",
    "Example",
    "ExampleSource",
    "Exchange",
    "HierarchicalConfig",
    "HierarchicalPlanner",
    "Manager",
    "ManagerAnswer",
    "ModelAnswerInvalid",
    "ModelCaller",
    "NoExamples",
    "PlanRevision",
    "PlanState",
    "PlanningError",
    "ProgressConfig",
    "ProgressMonitor",
    "Reflection",
    "Reflector",
    "SingleModelConfig",
    "SingleModelPlanner",
    "StaticExamples",
    "Subgoal",
    "SubgoalStatus",
    "TemplateError",
    "TimeLimitReached",
    "Worker",
    "WorkerAnswer",
    "parse_manager_answer",
    "parse_reflection",
    "parse_worker_answer",
    "render",
    "screen_changed",
    "screenshot_ref",
]
