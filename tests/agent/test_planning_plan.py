"""The plan state: revisions keep history, kept subgoals stay, the dict round-trips."""

from __future__ import annotations

from desktop_agent.planning import PlanState, SubgoalStatus


def test_a_revision_keeps_unchanged_subgoals_drops_the_rest_and_round_trips() -> None:
    plan = PlanState()
    plan.set_remaining(["Open", "Type", "Save", "Save"], kind="plan", step=1)
    plan.end_active(SubgoalStatus.DONE, step=2, note="opened")
    pending_type = plan.subgoals[1]
    plan.set_remaining(["Type", "Save", "Close"], kind="revise", step=3, reason="completed: Open")

    assert plan.active is pending_type
    assert pending_type.started_step == 3
    assert plan.lines() == ("[done] Open", "[active] Type", "[pending] Save", "[pending] Close")
    assert plan.texts(SubgoalStatus.DROPPED) == ["Save"]  # the second "Save" went
    assert plan.remaining == ["Type", "Save", "Close"]

    plan.end_active(SubgoalStatus.FAILED, step=4, note="field disabled")
    plan.finish("failed", "gave up")
    data = plan.to_dict()
    again = PlanState.from_dict(data)
    assert again.to_dict() == data
    assert [r.kind for r in again.revisions] == ["plan", "revise"]
    assert again.revisions[1].subgoals == ("Type", "Save", "Close")
    assert data["subgoals"][0] == {
        "text": "Open",
        "status": "done",
        "started_step": 1,
        "ended_step": 2,
        "note": "opened",
    }
    assert (again.outcome, again.outcome_reason) == ("failed", "gave up")
