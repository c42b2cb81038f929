"""The scripted task set of `bench.calls`: instructions, model answers and drawn screens.

Each task is an instruction, the answers its models give (served over real
HTTP by a replay server), and an app window drawn with the text the worker
clicks, so the real local grounder has to find every text target on the
pixels. The screen gains a small block at the bottom for each input that
"did something"; inputs listed in `ignored_inputs` leave it unchanged, which
is how a stalled screen is staged.

The answers follow the planner's protocol (`desktop_agent.planning.hierarchical`):
a manager answer that leaves a subgoal to do also chooses that subgoal's first
action (`plan_and_act`); the worker answers the subgoal's later actions (`act`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from desktop_agent.desktop.dry_run import DryRunDesktop
from grounding.replay_server import ScriptedResponse

SCREEN_SIZE = (1280, 800)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MENUS = ("File", "Edit", "View", "Help")

say = ScriptedResponse.message


def _action_text(thought: str, code: str, completes: bool) -> str:
    flag = "yes" if completes else "no"
    return f"Thought: {thought}\n```\n{code}\n```\nCompletes subgoal: {flag}"


def act(thought: str, code: str, *, completes: bool = False) -> ScriptedResponse:
    """A worker answer in the format the worker prompt asks for."""
    return say(_action_text(thought, code, completes))


def plan_and_act(
    plan: str, thought: str, code: str, *, completes: bool = False
) -> ScriptedResponse:
    """A manager answer that leaves a subgoal to do: the subgoal list, then (as its prompts
    ask) that subgoal's first action in the worker's format after `First action:`."""
    return say(f"{plan}\n\nFirst action:\n{_action_text(thought, code, completes)}")


def ui_tars(thought: str, action: str) -> ScriptedResponse:
    """A single-model (UI-TARS 1.5) answer; points in the 0-1000 frame."""
    return say(f"Thought: {thought}\nAction: {action}")


@dataclass(frozen=True)
class BenchTask:
    name: str
    shape: str  # what the task exercises
    instruction: str
    title: str  # the drawn window's title
    buttons: tuple[str, ...]  # labels drawn on buttons: the text targets
    script: tuple[ScriptedResponse, ...]  # model answers, in the order they are asked
    single_model: bool = False
    ignored_inputs: frozenset[int] = frozenset()  # 1-based desktop inputs with no effect
    draw_gear: bool = False  # a text-less gear icon only a VLM can name
    vlm_script: tuple[ScriptedResponse, ...] = ()  # grounding VLM answers, if any
    expected_status: str = "done"


# ---------------------------------------------------------------- drawing


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def button_box(index: int) -> tuple[int, int, int, int]:
    """Buttons sit in rows of four under the menu bar."""
    row, column = divmod(index, 4)
    left, top = 80 + 280 * column, 160 + 90 * row
    return left, top, left + 200, top + 48


GEAR_CENTER = (1180, 95)


def _draw_gear(draw: ImageDraw.ImageDraw) -> None:
    cx, cy = GEAR_CENTER
    for dx, dy in ((0, -18), (0, 18), (-18, 0), (18, 0), (13, 13), (-13, -13), (13, -13),
                   (-13, 13)):  # fmt: skip
        draw.rectangle((cx + dx - 4, cy + dy - 4, cx + dx + 4, cy + dy + 4), fill=(90, 90, 90))
    draw.ellipse((cx - 15, cy - 15, cx + 15, cy + 15), fill=(90, 90, 90))
    draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), fill=(246, 245, 244))


def draw_screen(task: BenchTask, effects: int) -> Image.Image:
    """The task's app window after `effects` inputs that changed something."""
    image = Image.new("RGB", SCREEN_SIZE, (246, 245, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SCREEN_SIZE[0], 34), fill=(48, 48, 52))
    draw.text((16, 7), task.title, font=_font(16), fill=(240, 240, 240))
    menu_font = _font(17)
    left = 20
    for menu in MENUS:
        draw.text((left, 52), menu, font=menu_font, fill="black")
        left += int(draw.textlength(menu, font=menu_font)) + 36
    draw.line((0, 86, SCREEN_SIZE[0], 86), fill=(200, 200, 200))
    label_font = _font(18)
    for index, label in enumerate(task.buttons):
        box = button_box(index)
        draw.rectangle(box, outline=(170, 170, 170), fill=(232, 232, 232))
        width = draw.textlength(label, font=label_font)
        draw.text((box[0] + (200 - width) / 2, box[1] + 13), label, font=label_font, fill="black")
    if task.draw_gear:
        _draw_gear(draw)
    # What the inputs did: one block each, along the bottom edge, big enough
    # (0.2% of the screen) to count as a change for the progress check.
    for n in range(effects):
        x = 24 + 50 * n
        draw.rectangle((x, 744, x + 40, 790), fill=(40, 90, 200))
    return image


class TaskDesktop(DryRunDesktop):
    """A desktop that records inputs (nothing is executed) and shows the drawn app."""

    def __init__(self, task: BenchTask) -> None:
        super().__init__(size=SCREEN_SIZE)
        self.task = task
        self._frames: dict[int, Image.Image] = {}

    @property
    def effects(self) -> int:
        """Inputs so far that changed the screen."""
        ignored = self.task.ignored_inputs
        return sum(1 for n in range(1, len(self.calls) + 1) if n not in ignored)

    def screenshot(self) -> Image.Image:
        effects = self.effects
        if effects not in self._frames:  # the settle loop asks often; draw each state once
            self._frames[effects] = draw_screen(self.task, effects)
        return self._frames[effects]

    def active_window_title(self) -> str | None:
        return self.task.title


# ---------------------------------------------------------------- the tasks


def _tasks() -> list[BenchTask]:
    return [
        BenchTask(
            name="short",
            shape="1 subgoal, 3 actions",
            instruction="print the open document",
            title="Notes - report.txt",
            buttons=("Print", "Cancel", "Preview"),
            script=(
                plan_and_act(
                    "The editor shows report.txt.\nSubgoals:\n1. Print the document",
                    "The File menu has Print.",
                    "click('File')",
                ),
                act("Print is listed.", "click('Print')"),
                act("The print dialog is open; confirm it.", "hotkey('enter')", completes=True),
                say("The job was sent to the printer.\nDONE: the document was printed"),
            ),
        ),
        BenchTask(
            name="three_subgoals",
            shape="3 subgoals, 9 actions",
            instruction="write a greeting in a new note and save it as hello.txt",
            title="Notes - untitled",
            buttons=("New Note", "Save", "Cancel", "Name:"),
            script=(
                plan_and_act(
                    "An empty editor.\nSubgoals:\n1. Open a new note\n2. Write the greeting\n"
                    "3. Save it as hello.txt",
                    "Open the File menu.",
                    "click('File')",
                ),
                act("New Note is listed.", "click('New Note')"),
                act("Focus the page.", "click(640, 500)", completes=True),
                plan_and_act(
                    "Subgoals:\n1. Write the greeting\n2. Save it as hello.txt",
                    "Type the first line.",
                    "type_text('Hello')",
                ),
                act("New line.", "hotkey('enter')"),
                act("Second line.", "type_text('world')", completes=True),
                plan_and_act(
                    "Subgoals:\n1. Save it as hello.txt",
                    "Save with the shortcut.",
                    "hotkey('ctrl', 's')",
                ),
                act("The Name field is there.", "type_text('hello.txt', into='Name')"),
                act("Confirm.", "click('Save')", completes=True),
                say("hello.txt is saved.\nDONE: saved the greeting as hello.txt"),
            ),
        ),
        BenchTask(
            name="replan_after_fail",
            shape="worker fail() -> replan",
            instruction="give the report the bold title 'Q3 results' and export it as PDF",
            title="Writer - q3.odt",
            buttons=("Title:", "Export PDF", "Name:", "Export", "Cancel"),
            script=(
                plan_and_act(
                    "Subgoals:\n1. Write the bold title\n2. Export with the toolbar button",
                    "Click into the title line.",
                    "click('Title')",
                ),
                act("Bold first.", "hotkey('ctrl', 'b')"),
                act("Type the title.", "type_text('Q3 results')", completes=True),
                # The manager keeps the subgoal but writes no action for it; the worker,
                # asked instead, finds no such button and gives the subgoal up.
                say("Subgoals:\n1. Export with the toolbar button"),
                act(
                    "The toolbar has no Export button.",
                    "fail('no Export button on the toolbar')",
                ),
                plan_and_act(
                    "The toolbar has no export.\nSubgoals:\n1. Choose Export PDF in the File "
                    "menu\n2. Name the file and export",
                    "Open File.",
                    "click('File')",
                ),
                act("Export PDF is in the menu.", "click('Export PDF')", completes=True),
                plan_and_act(
                    "Subgoals:\n1. Name the file and export",
                    "The Name field is there.",
                    "type_text('q3.pdf', into='Name')",
                ),
                act("Export it.", "click('Export')", completes=True),
                say("DONE: q3.pdf was exported with the bold title"),
            ),
        ),
        BenchTask(
            name="stall_reflection",
            shape="screen unchanged -> reflection",
            instruction="turn on word wrap and line numbers",
            title="Notes - long.txt",
            buttons=("Word Wrap", "Line Numbers", "Close"),
            # The first input (the click on View) does nothing on screen.
            ignored_inputs=frozenset({1}),
            script=(
                plan_and_act(
                    "Subgoals:\n1. Turn on Word Wrap in the View menu\n2. Turn on Line Numbers",
                    "Open View.",
                    "click('View')",
                ),
                say(
                    "Verdict: retry\nAdvice: the menu did not open; open it with the "
                    "keyboard (alt+v) instead."
                ),
                act("Open it with the keyboard.", "hotkey('alt', 'v')"),
                act("Word Wrap is listed.", "click('Word Wrap')", completes=True),
                plan_and_act(
                    "Long lines now wrap.\nSubgoals:\n1. Turn on Line Numbers",
                    "The View menu again.",
                    "hotkey('alt', 'v')",
                ),
                act("Line Numbers is listed.", "click('Line Numbers')", completes=True),
                say("DONE: word wrap and line numbers are on"),
            ),
        ),
        BenchTask(
            name="malformed_reask",
            shape="unreadable worker answer re-asked",
            instruction="set the editor font size to 14",
            title="Home folder",
            buttons=("Preferences", "Font Size", "About"),
            script=(
                plan_and_act(
                    "Subgoals:\n1. Open Preferences from the Edit menu\n2. Set the size to 14",
                    "Open Edit.",
                    "click('Edit')",
                ),
                say("I would click on Preferences now."),  # no action block: re-asked
                act("Preferences is listed.", "click('Preferences')", completes=True),
                plan_and_act(
                    "Subgoals:\n1. Set the size to 14", "Select the size box.", "click('Font Size')"
                ),
                act("Type the size.", "type_text('14')"),
                act("Apply it.", "hotkey('enter')", completes=True),
                say("DONE: the font size is 14"),
            ),
        ),
        BenchTask(
            name="vlm_for_icon",
            shape="text-less icon: VLM asked",
            instruction="turn on crossfade in the playback settings (the gear icon)",
            title="Music - Library",
            buttons=("Playback", "Crossfade", "Apply"),
            draw_gear=True,
            vlm_script=(say(f"({GEAR_CENTER[0]}, {GEAR_CENTER[1]})"),),
            script=(
                plan_and_act(
                    "Subgoals:\n1. Open the settings from the gear icon\n2. Turn on Crossfade",
                    "The gear at the top right has no label.",
                    "click('the gear icon')",
                    completes=True,
                ),
                plan_and_act(
                    "Subgoals:\n1. Turn on Crossfade", "Playback holds it.", "click('Playback')"
                ),
                act("Tick it.", "click('Crossfade')"),
                act("Apply.", "click('Apply')", completes=True),
                say("DONE: crossfade is on"),
            ),
        ),
        BenchTask(
            name="single_model",
            shape="UI-TARS style, 1 model",
            instruction="save the note as todo.txt",
            title="Notes - untitled",
            buttons=("Save", "Cancel", "Name:"),
            single_model=True,
            script=(
                ui_tars("Click into the note.", "click(start_box='(500,600)')"),
                ui_tars("Save As.", "hotkey(key='ctrl shift s')"),
                ui_tars("Type the name.", "type(content='todo.txt')"),
                ui_tars("Click Save.", "click(start_box='(359,229)')"),
                ui_tars("Wait for the dialog to close.", "wait()"),
                ui_tars("The note is saved.", "finished(content='saved as todo.txt')"),
            ),
        ),
    ]


TASKS: tuple[BenchTask, ...] = tuple(_tasks())


def task_named(names: Sequence[str]) -> list[BenchTask]:
    """The tasks with these names, in the given order; ValueError names the known ones."""
    known = {t.name: t for t in TASKS}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"unknown task(s) {', '.join(missing)}; known: {', '.join(known)}")
    return [known[n] for n in names]


__all__ = ["SCREEN_SIZE", "TASKS", "BenchTask", "TaskDesktop", "draw_screen", "task_named"]
