"""A trajectory as one self-contained HTML page (inline CSS, no script, no network).

For a model planner's run it also shows the plan as it evolved (every
revision: kind, step, reason, subgoals), the model usage per role, and per
step the model calls with their tokens, cost, messages and replies.
Screenshots are referenced by relative file name. The acted points and the
grounded boxes are drawn over them as absolutely positioned elements whose
positions are percentages of the image size, so they stay on target however
the page scales the image.
"""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from PIL import Image, UnidentifiedImageError

from .redaction import redact
from .step import Step
from .trajectory import REPORT_FILE, Trajectory, atomic_write_text, load_trajectory

__all__ = ["render_report", "write_report"]

logger = logging.getLogger(__name__)

_MAX_CANDIDATES = 5

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1b1b1b;
background:#fafafa}
h1{font-size:1.3rem;margin:0 0 .5rem;word-break:break-word}
header{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin-bottom:1rem}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dt{font-weight:600;color:#555}dd{margin:0;word-break:break-word}
section.step{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;
margin-bottom:1rem}
section.step h2{font-size:1.05rem;margin:0 0 .5rem}
code{background:#f0f0f0;padding:.1rem .3rem;border-radius:3px;word-break:break-word}
.status{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.85rem;
font-weight:600;color:#fff;background:#777}
.st-ok,.st-done{background:#2e7d32}.st-failed,.st-error{background:#c62828}
.st-dry_run,.st-running{background:#1565c0}.st-denied{background:#ef6c00}
.st-stopped{background:#6a1b9a}
.error{color:#b71c1c;white-space:pre-wrap}
table{border-collapse:collapse;font-size:.9rem;margin:.3rem 0}
td,th{border:1px solid #ddd;padding:.15rem .4rem;text-align:left;vertical-align:top}
.shots{display:flex;flex-wrap:wrap;gap:1rem;margin-top:.5rem}
figure{margin:0;max-width:100%;min-width:0}
figcaption{font-size:.8rem;color:#555}
.shot{position:relative;display:inline-block;max-width:100%;line-height:0}
.shot img{display:block;max-width:100%;height:auto;border:1px solid #ccc}
.pt{position:absolute;width:18px;height:18px;margin:-9px 0 0 -9px;border:3px solid #e53935;
border-radius:50%;box-shadow:0 0 0 2px #fff;box-sizing:border-box}
.box{position:absolute;border:2px solid #1e88e5;box-shadow:0 0 0 1px #fff;box-sizing:border-box}
.missing{color:#b71c1c;font-size:.85rem}
section.plan,section.usage{background:#fff;border:1px solid #ddd;border-radius:6px;
padding:1rem;margin-bottom:1rem}
section.plan h2,section.usage h2{font-size:1.05rem;margin:0 0 .5rem}
.rev-kind{font-weight:600}
details pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.4rem;
font-size:.8rem;max-height:24rem;overflow:auto}
"""

# Run metadata shown in their own sections rather than as header rows.
_SECTION_META = ("planner", "usage", "unattached_exchanges")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct(value: float, total: int) -> str:
    return f"{value / total * 100:.2f}%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "still running (or crashed)"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)} min {rest:.0f} s"


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:  # reads the header only
            return image.size
    except (OSError, UnidentifiedImageError) as exc:
        logger.warning("screenshot %s cannot be read: %s", path, exc)
        return None


def _figure(folder: Path, name: str, caption: str, step: Step | None) -> str:
    """One screenshot; with `step`, its acted points and grounded boxes drawn on it."""
    size = _image_size(folder / name)
    if size is None or size[0] <= 0 or size[1] <= 0:
        return f'<p class="missing">{_e(caption)}: {_e(name)} is missing or unreadable</p>'
    width, height = size
    overlays: list[str] = []
    if step is not None:
        for result in step.grounding.values():
            if result.box is not None:
                b = result.box
                overlays.append(
                    f'<span class="box" title="{_e(result.expert)}" style="left:'
                    f"{_pct(b.left, width)};top:{_pct(b.top, height)};"
                    f'width:{_pct(b.width, width)};height:{_pct(b.height, height)}"></span>'
                )
        # Acted points if the step has them, else where grounding pointed.
        points = step.points or tuple(r.point for r in step.grounding.values())
        for x, y in points:
            overlays.append(
                f'<span class="pt" title="({x}, {y})" style="left:{_pct(x, width)};'
                f'top:{_pct(y, height)}"></span>'
            )
    src = _e(quote(name))
    return (
        f'<figure><div class="shot"><img src="{src}" width="{width}" height="{height}" '
        f'alt="{_e(caption)}" loading="lazy">{"".join(overlays)}</div>'
        f"<figcaption>{_e(caption)} ({width}×{height})</figcaption></figure>"
    )


def _grounding(step: Step) -> str:
    if not step.grounding:
        return ""
    rows = []
    for field_name, r in step.grounding.items():
        box = f"{r.box.left},{r.box.top} → {r.box.right},{r.box.bottom}" if r.box else "-"
        cands = "; ".join(
            f"{c.text!r} ({c.role}, {c.source or '?'}, {c.score:.2f})"
            for c in r.candidates[:_MAX_CANDIDATES]
        )
        if len(r.candidates) > _MAX_CANDIDATES:
            cands += f"; … {len(r.candidates) - _MAX_CANDIDATES} more"
        rows.append(
            f"<tr><td>{_e(field_name)}</td><td>{_e(r.expert)}</td>"
            f"<td>{r.confidence:.2f}</td><td>{_e(r.point)}</td><td>{_e(box)}</td>"
            f"<td>{_e(cands or '-')}</td></tr>"
        )
    return (
        "<table><tr><th>field</th><th>expert</th><th>confidence</th><th>point</th>"
        "<th>box</th><th>matched / candidates</th></tr>" + "".join(rows) + "</table>"
    )


def _timings(step: Step) -> str:
    parts = [f"total {step.duration_s:.3f} s"]
    parts += [f"{name} {secs:.3f} s" for name, secs in step.timings.items()]
    return _e(", ".join(parts))


def _money(value: Any) -> str:
    try:
        return f"${float(value):.4f}"
    except (TypeError, ValueError):
        return "-"


def _exchange_rows(exchanges: list[dict[str, Any]]) -> str:
    """A table of model calls, each with its messages and reply folded below."""
    rows = []
    for e in exchanges:
        usage = e.get("usage") or {}
        rows.append(
            f"<tr><td>{_e(e.get('purpose', '?'))}</td><td>{_e(e.get('role', '?'))}</td>"
            f"<td>{_e(e.get('model') or '-')}</td><td>{_e(e.get('attempt', 1))}</td>"
            f"<td>{_e(usage.get('prompt_tokens', 0))}</td>"
            f"<td>{_e(usage.get('completion_tokens', 0))}</td>"
            f"<td>{_money(e.get('cost_usd', 0.0))}</td><td>{_e(e.get('error') or '-')}</td></tr>"
        )
        sent = []
        for m in e.get("messages") or []:
            images = ", ".join(str(i) for i in m.get("images") or [])
            shown = f" [images: {images}]" if images else ""
            sent.append(f"--- {m.get('role', '?')}{shown}\n{m.get('text', '')}")
        body = "\n".join(sent) + f"\n--- reply\n{e.get('reply') or '(none)'}"
        rows.append(
            f'<tr><td colspan="8"><details><summary>messages and reply</summary>'
            f"<pre>{_e(body)}</pre></details></td></tr>"
        )
    return (
        "<table><tr><th>call</th><th>role</th><th>model</th><th>try</th><th>tokens in</th>"
        "<th>tokens out</th><th>cost</th><th>error</th></tr>" + "".join(rows) + "</table>"
    )


def _model_calls(step: Step) -> str:
    exchanges = step.extra.get("model_calls")
    if not isinstance(exchanges, list):
        return ""
    usage = step.extra.get("model_usage") or {}
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
    head = (
        f"<p>Model calls: {len(exchanges)}, {tokens} tokens, "
        f"{_money(usage.get('cost_usd', 0.0))}</p>"
    )
    return head + (_exchange_rows(exchanges) if exchanges else "")


def _plan_lines(step: Step) -> str:
    plan = step.extra.get("plan")
    if not plan or "model_calls" not in step.extra:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in plan)
    return f"<p>Plan at this step:</p><ul>{items}</ul>"


def _plan_section(planner: dict[str, Any]) -> str:
    plan = planner.get("plan")
    if not isinstance(plan, dict):
        return ""
    revisions = []
    for r in plan.get("revisions", []):
        reason = f": {_e(r.get('reason'))}" if r.get("reason") else ""
        subgoals = "".join(f"<li>{_e(t)}</li>" for t in r.get("subgoals", []))
        revisions.append(
            f'<li class="revision"><span class="rev-kind">{_e(r.get("kind", "?"))}</span> '
            f"at step {_e(r.get('step', '?'))}{reason}"
            + (f"<ol>{subgoals}</ol>" if subgoals else "")
            + "</li>"
        )
    rows = "".join(
        f"<tr><td>{_e(s.get('text', ''))}</td><td>{_e(s.get('status', ''))}</td>"
        f"<td>{_e(s.get('started_step') or '-')} → {_e(s.get('ended_step') or '-')}</td>"
        f"<td>{_e(s.get('note') or '-')}</td></tr>"
        for s in plan.get("subgoals", [])
    )
    outcome = plan.get("outcome")
    ending = (
        f"<p>Outcome: {_e(outcome)}: {_e(plan.get('outcome_reason', ''))}</p>" if outcome else ""
    )
    counts = (
        f"<p>{_e(planner.get('kind', 'model'))} planner: {_e(planner.get('calls', 0))} model "
        f"calls, {_e(planner.get('replans', 0))} replans</p>"
    )
    return (
        '<section class="plan"><h2>Plan as it evolved</h2>' + counts
        + f"<ol>{''.join(revisions)}</ol>"
        + "<table><tr><th>subgoal</th><th>status</th><th>steps</th><th>note</th></tr>"
        + rows + "</table>" + ending + "</section>"
    )  # fmt: skip


def _usage_section(usage: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_e(role)}</td><td>{_e(row.get('calls', 0))}</td>"
        f"<td>{_e(row.get('prompt_tokens', 0))}</td><td>{_e(row.get('completion_tokens', 0))}"
        f"</td><td>{_money(row.get('cost_usd', 0.0))}</td></tr>"
        for role, row in usage.items()
        if isinstance(row, dict)
    )
    return (
        '<section class="usage"><h2>Model usage</h2><table><tr><th>role</th><th>calls</th>'
        f"<th>tokens in</th><th>tokens out</th><th>cost</th></tr>{rows}</table></section>"
    )


def _model_sections(meta: dict[str, Any]) -> str:
    parts = []
    if isinstance(meta.get("planner"), dict):
        parts.append(_plan_section(meta["planner"]))
    if isinstance(meta.get("usage"), dict):
        parts.append(_usage_section(meta["usage"]))
    stray = meta.get("unattached_exchanges")
    if isinstance(stray, list) and stray:
        parts.append(
            '<section class="usage"><h2>Model calls that ended the run</h2>'
            + _exchange_rows(stray)
            + "</section>"
        )
    return "\n".join(p for p in parts if p)


def _step_html(step: Step, folder: Path) -> str:
    code = step.action.to_code() if step.action is not None else "(no action)"
    status = step.status.value
    out = [
        f'<section class="step" id="step-{step.index}">',
        f'<h2>Step {step.index} <span class="status st-{_e(status)}">{_e(status)}</span></h2>',
        f"<p><code>{_e(code)}</code></p>",
    ]
    if step.source_text:
        out.append(f"<p>From: <q>{_e(step.source_text)}</q></p>")
    if step.error:
        kind = f"{step.error_type}: " if step.error_type else ""
        out.append(f'<p class="error">{_e(kind + step.error)}</p>')
    out.append(_plan_lines(step))
    out.append(_model_calls(step))
    out.append(_grounding(step))
    out.append(f"<p>Timings: {_timings(step)}</p>")
    figures = []
    if step.screenshot:
        figures.append(_figure(folder, step.screenshot, "before", step))
    if step.screenshot_after:
        figures.append(_figure(folder, step.screenshot_after, "after", None))
    if figures:
        out.append(f'<div class="shots">{"".join(figures)}</div>')
    out.append("</section>")
    return "\n".join(p for p in out if p)


def render_report(trajectory: Trajectory, folder: Path) -> str:
    """The HTML page for `trajectory`, whose screenshots lie in `folder`."""
    folder = Path(folder)
    # Round trip through redact, so a report of an in-memory run is as clean as the files.
    t = Trajectory.from_dict(redact(trajectory.to_dict()))
    counts = t.step_counts()
    count_text = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "total")
    meta: dict[str, Any] = t.meta
    meta_rows = "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in meta.items() if k not in _SECTION_META
    )
    header = (
        f"<header><h1>{_e(t.instruction)}</h1><dl>"
        f'<dt>Status</dt><dd><span class="status st-{_e(t.status)}">{_e(t.status)}</span></dd>'
        f"<dt>Reason</dt><dd>{_e(t.reason or '-')}</dd>"
        f"<dt>Started</dt><dd>{_e(_when(t.started_at))}</dd>"
        f"<dt>Duration</dt><dd>{_e(_duration(t.duration_s))}</dd>"
        f"<dt>Steps</dt><dd>{counts['total']}{_e(f' ({count_text})' if count_text else '')}</dd>"
        f"{meta_rows}</dl></header>"
    )
    steps = "\n".join(_step_html(s, folder) for s in t.steps) or "<p>No steps.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t.instruction[:80])} — desktop-agent run</title>"
        f"<style>{_CSS}</style></head>\n<body>\n{header}\n{_model_sections(meta)}\n<main>\n{steps}\n</main>\n"
        "</body></html>\n"
    )


def write_report(folder: Path) -> Path:
    """Render the trajectory in `folder` to ``report.html`` (atomically); return its path."""
    folder = Path(folder)
    path = folder / REPORT_FILE
    atomic_write_text(path, render_report(load_trajectory(folder), folder))
    return path
