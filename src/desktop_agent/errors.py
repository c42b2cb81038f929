"""The agent's error tree. Every error the agent raises on purpose is one of these.

AgentError                    root
 +-- ParseError               model or user text is not a valid action (message tells a model why)
 +-- InstructionError         a local-mode instruction could not be read
 +-- ExecutionError           an action failed while being carried out
 |    +-- GroundingFailed     its target could not be found on the screen (says what was seen)
 |    +-- ConfirmationDenied  a risky action was not confirmed
 +-- DisplayError             no usable display (says how to get one)
 +-- RunStopped               the run ended early
 |    +-- StoppedByUser       kill hotkey, stop button or pyautogui failsafe
 |    +-- MaxStepsReached     the step budget ran out
 |    +-- TimeLimitReached    the time budget ran out (planning.errors)
 +-- PlanningError            a model planner could not decide (planning.errors: templates,
 |                            answers still unreadable after the re-asks)
 +-- ModelError               a model call failed (llm.errors: not configured, unreachable,
                              timeout, HTTP error, bad answer, CostLimitReached)

How the loop ends a run on each: StoppedByUser -> "stopped"; the other
RunStopped and CostLimitReached -> "failed" with the limit's own message; any
other AgentError -> "failed" with its class name and message.
"""

from __future__ import annotations


class AgentError(Exception):
    """Root of the desktop_agent error tree."""


class ParseError(AgentError):
    """Text is not a valid action; the message is written for a model to fix it."""


class InstructionError(AgentError):
    """A local-mode instruction could not be turned into actions."""


class ExecutionError(AgentError):
    """An action failed while being carried out."""


class GroundingFailed(ExecutionError):
    """The action's target could not be found; the message lists what was seen."""


class ConfirmationDenied(ExecutionError):
    """A risky action was refused by the confirmation policy or the person."""


class DisplayError(AgentError):
    """No usable display; the message says how to get one."""


class RunStopped(AgentError):
    """The run ended before the task did."""


class StoppedByUser(RunStopped):
    """The person stopped the run (kill hotkey, stop button, failsafe corner)."""


class MaxStepsReached(RunStopped):
    """The run used all its steps."""
