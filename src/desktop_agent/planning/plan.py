"""The plan as it evolves: subgoals with a status, and every revision the manager made.

Subgoals are never deleted: done and failed ones stay in order, so the
trajectory and the HTML report can show the plan as it evolved. A revision
replaces only the pending subgoals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

RevisionKind = Literal["plan", "revise", "replan"]


class SubgoalStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"
    FAILED = "failed"
    DROPPED = "dropped"  # planned once, then left out by a revision


@dataclass(eq=False)  # identity: two planned "Click Save" are two subgoals
class Subgoal:
    text: str
    status: SubgoalStatus = SubgoalStatus.PENDING
    started_step: int | None = None
    ended_step: int | None = None
    note: str = ""  # why it ended: the worker's done/fail reason, the failure text

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "status": self.status.value,
            "started_step": self.started_step,
            "ended_step": self.ended_step,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subgoal:
        return cls(
            text=str(data["text"]),
            status=SubgoalStatus(data.get("status", "pending")),
            started_step=data.get("started_step"),
            ended_step=data.get("ended_step"),
            note=str(data.get("note", "")),
        )


@dataclass(frozen=True)
class PlanRevision:
    """One answer of the manager: which kind, at which step, why, and the list it wrote."""

    kind: RevisionKind
    step: int
    reason: str
    subgoals: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "step": self.step,
            "reason": self.reason,
            "subgoals": list(self.subgoals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanRevision:
        return cls(
            kind=data["kind"],
            step=int(data["step"]),
            reason=str(data.get("reason", "")),
            subgoals=tuple(str(s) for s in data.get("subgoals", [])),
        )


@dataclass
class PlanState:
    subgoals: list[Subgoal] = field(default_factory=list)
    revisions: list[PlanRevision] = field(default_factory=list)
    outcome: str | None = None  # "done" or "failed" once the planner has finished
    outcome_reason: str = ""

    def finish(self, outcome: str, reason: str) -> None:
        self.outcome, self.outcome_reason = outcome, reason

    @property
    def active(self) -> Subgoal | None:
        return next((s for s in self.subgoals if s.status == SubgoalStatus.ACTIVE), None)

    def texts(self, status: SubgoalStatus) -> list[str]:
        return [s.text for s in self.subgoals if s.status == status]

    @property
    def remaining(self) -> list[str]:
        """The active subgoal (if any) and the pending ones, in order."""
        return [
            s.text
            for s in self.subgoals
            if s.status in (SubgoalStatus.ACTIVE, SubgoalStatus.PENDING)
        ]

    def set_remaining(
        self, texts: list[str], *, kind: RevisionKind, step: int, reason: str = ""
    ) -> None:
        """Replace what is still to do with `texts` and start the first of them.

        A pending subgoal the manager kept (same text) stays the same entry, so the
        history shows only real changes; the others are marked dropped.
        """
        pending = [s for s in self.subgoals if s.status == SubgoalStatus.PENDING]
        upcoming: list[Subgoal] = []
        for text in texts:
            same = next((s for s in pending if s.text == text and s not in upcoming), None)
            upcoming.append(same or Subgoal(text))
        for subgoal in pending:
            if subgoal not in upcoming:
                subgoal.status = SubgoalStatus.DROPPED
        settled = [s for s in self.subgoals if s.status != SubgoalStatus.PENDING]
        self.subgoals = settled + upcoming
        self.revisions.append(PlanRevision(kind, step, reason, tuple(texts)))
        self.activate_next(step)

    def activate_next(self, step: int) -> Subgoal | None:
        if self.active is not None:
            return self.active
        for subgoal in self.subgoals:
            if subgoal.status == SubgoalStatus.PENDING:
                subgoal.status = SubgoalStatus.ACTIVE
                subgoal.started_step = step
                return subgoal
        return None

    def end_active(self, status: SubgoalStatus, *, step: int, note: str = "") -> Subgoal | None:
        """Mark the active subgoal done or failed (it stays in the list)."""
        subgoal = self.active
        if subgoal is not None:
            subgoal.status = status
            subgoal.ended_step = step
            subgoal.note = note
        return subgoal

    def lines(self) -> tuple[str, ...]:
        """One line per subgoal that was not dropped, e.g. "[done] Open the Save dialog"."""
        return tuple(
            f"[{s.status.value}] {s.text}"
            for s in self.subgoals
            if s.status != SubgoalStatus.DROPPED
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subgoals": [s.to_dict() for s in self.subgoals],
            "revisions": [r.to_dict() for r in self.revisions],
            "outcome": self.outcome,
            "outcome_reason": self.outcome_reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanState:
        return cls(
            subgoals=[Subgoal.from_dict(s) for s in data.get("subgoals", [])],
            revisions=[PlanRevision.from_dict(r) for r in data.get("revisions", [])],
            outcome=data.get("outcome"),
            outcome_reason=str(data.get("outcome_reason", "")),
        )
