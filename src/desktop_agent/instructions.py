"""Local mode: read a person's direct commands as actions, with no model.

An instruction is a list of commands separated by ';', new lines, or "then"
(", then", "and then"). Each command is an action-language call such as
`click("Save")` or plain English such as `type "hello" into Name`. Quoted text
('...', "..." or “...”) is taken literally, and separators inside quotes do
not split.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable

from desktop_agent.actions import (
    ACTIONS,
    SCROLL_DIRECTIONS,
    Action,
    Click,
    Done,
    DoubleClick,
    Drag,
    Fail,
    Hotkey,
    OpenApp,
    Point,
    RightClick,
    Scroll,
    Target,
    TypeText,
    Wait,
)
from desktop_agent.errors import InstructionError, ParseError
from desktop_agent.keys import parse_key_combo
from desktop_agent.parse_args import MAX_COORD, MAX_SCROLL, MAX_WAIT_SECONDS
from desktop_agent.parser import ALIASES, MAX_TEXT_CHARS, parse_action

logger = logging.getLogger(__name__)

SUPPORTED_FORMS = """\
  click Save | click the "Save" button | click on File | click 120, 340
  double click report.txt | right click Desktop
  type "hello world" into Name | type 'x' in the Search field | type hello
  press ctrl+s | press Enter | hit ctrl+shift+t
  scroll down | scroll up 5 over "File list"
  wait 2 seconds | open mousepad | drag "a.txt" to Trash | done | fail <reason>
  or an action call such as click("Save") or hotkey("ctrl", "s")
  Separate commands with ';', new lines or 'then'."""

_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
# Written so that no part rescans a long run of spaces (inputs are untrusted).
_SEPARATOR = re.compile(r";|\r?\n|,\s*(?:and\s+)?then\b|\b(?:and\s+)?then\b", re.IGNORECASE)
_ROLE_WORDS = (
    "button",
    "menu",
    "tab",
    "link",
    "field",
    "icon",
    "box",
    "checkbox",
    "item",
    "option",
)
_POINT = re.compile(r"(?:at\s+)?\(?\s*(\d+)(?:\s*,\s*|\s+)(\d+)\s*\)?", re.IGNORECASE)
_CALL = re.compile(r"[A-Za-z_]\w*\s*\(.*\)\s*;?", re.DOTALL)


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quoted run, quotes included.

    A straight quote opens only at the start of a word and closes only at the
    end of one, so apostrophes ("Bob's file", "don't") are not quotes.
    """
    spans: list[tuple[int, int]] = []
    # A closer missing after one opener is missing after every later opener of
    # its kind too; remembering that keeps this linear on hostile input.
    unclosed: set[str] = set()
    i = 0
    while i < len(text):
        ch = text[i]
        closer = _QUOTES.get(ch)
        opens = closer is not None and (ch in "“‘" or i == 0 or not text[i - 1].isalnum())
        if opens and closer is not None and closer not in unclosed:
            j = i + 1
            while j < len(text):
                after = text[j + 1] if j + 1 < len(text) else ""
                if text[j] == closer and (closer in "”’" or not after.isalnum()):
                    break
                j += 1
            if j < len(text):
                spans.append((i, j + 1))
                i = j + 1
                continue
            unclosed.add(closer)
        i += 1
    return spans


def _protected(text: str) -> list[bool]:
    """For each position: is it inside quotes or inside an action call's parentheses?"""
    inside = [False] * len(text)
    for a, b in _quote_spans(text):
        inside[a:b] = [True] * (b - a)
    depth = 0
    for i, ch in enumerate(text):
        if not inside[i] and ch in "()":
            depth = max(0, depth + (1 if ch == "(" else -1))
            inside[i] = True
        elif depth > 0 and ch not in "\r\n":
            inside[i] = True  # a new line still ends an unclosed call
    return inside


def split_commands(instruction: str) -> list[str]:
    """Split at separators outside quotes and parentheses; drop empty pieces."""
    protected = _protected(instruction)
    pieces: list[str] = []
    start = 0
    for match in _SEPARATOR.finditer(instruction):
        if protected[match.start()]:
            continue
        pieces.append(instruction[start : match.start()])
        start = match.end()
    pieces.append(instruction[start:])
    return [p.strip() for p in pieces if p.strip()]


def _first_quoted(text: str) -> tuple[str, str, str] | None:
    """(before, inside, after) of the first quoted run, or None."""
    spans = _quote_spans(text)
    if not spans:
        return None
    a, b = spans[0]
    return text[:a], text[a + 1 : b - 1], text[b:]


def _target(command: str, words: str, roles: tuple[str, ...] = _ROLE_WORDS) -> Target:
    """ "the 'Save' button" -> "Save"; "on the File menu" -> "File"; "120, 340" -> Point."""
    quoted = _first_quoted(words)
    if quoted is not None and quoted[1].strip():
        return quoted[1]
    text = words.strip().rstrip(".!")
    point = _POINT.fullmatch(text)
    if point is not None:
        x, y = int(point.group(1)), int(point.group(2))
        if x <= MAX_COORD and y <= MAX_COORD:
            return Point(x, y)
    text = re.sub(r"^(?:(?:on|at)\b\s*)?(?:the\b\s*)?", "", text, flags=re.IGNORECASE)
    role = "|".join(roles)
    stripped = re.sub(rf"(?<!\s)\s+(?:{role})$", "", text, flags=re.IGNORECASE)
    text = stripped or text
    if not text.strip():
        raise InstructionError(
            f'{command!r} does not say which element; name it, like: click the "Save" button'
        )
    return text.strip()


def _pointing(cls: type[Click] | type[DoubleClick] | type[RightClick]) -> _Handler:
    def handle(command: str, rest: str) -> Action:
        return cls(_target(command, rest))

    return handle


def _type(command: str, rest: str) -> Action:
    quoted = _first_quoted(rest)
    if quoted is None or quoted[0].strip():
        if not rest.strip():
            raise InstructionError(f'{command!r} does not say what to type, like: type "hello"')
        return TypeText(rest.strip())  # unquoted: the whole rest is the text
    text, after = quoted[1], quoted[2].strip()
    if not text:
        raise InstructionError(f"{command!r} has empty quotes; put the text to type inside them")
    enter = False
    ending = re.search(
        r"(?:,\s*|\s|^)and\s+(?:press|hit)\s+(?:the\s+)?enter(?:\s+key)?$", after, re.I
    )
    if ending is not None:
        enter, after = True, after[: ending.start()]
    into: Target | None = None
    if after:
        where = re.match(r"(?:into|in|on)\s+(.+)$", after, re.IGNORECASE | re.DOTALL)
        if where is None:
            raise InstructionError(
                f"{command!r}: after the quoted text write where to type it, like: "
                f'type "{text}" into Name'
            )
        into = _target(command, where.group(1), (*_ROLE_WORDS, "textbox", "input", "area"))
    return TypeText(text, into, enter)


def _press(command: str, rest: str) -> Action:
    quoted = _first_quoted(rest)
    keys = quoted[1] if quoted is not None else rest
    keys = re.sub(r"^\s*the\s+|(?<!\s)\s+keys?\s*$", "", keys.strip().rstrip("."), flags=re.I)
    try:
        return Hotkey(parse_key_combo(keys))
    except ParseError as exc:
        raise InstructionError(f"{command!r}: {exc}. Example: press ctrl+s") from None


def _scroll(command: str, rest: str) -> Action:
    match = re.fullmatch(
        r"(\w+)(?:\s+(\d+))?(?:\s+(?:times|notches|clicks|steps))?(?:\s+(?:at|over|in|on)\s+(.+))?",
        rest.strip().rstrip("."),
        re.IGNORECASE | re.DOTALL,
    )
    direction = match.group(1).lower() if match else ""
    if match is None or direction not in SCROLL_DIRECTIONS:
        raise InstructionError(
            f"{command!r}: say a direction ({', '.join(SCROLL_DIRECTIONS)}), like: "
            'scroll down 3 over "File list"'
        )
    amount = int(match.group(2)) if match.group(2) else 3
    if not 1 <= amount <= MAX_SCROLL:
        raise InstructionError(f"{command!r}: scroll by 1 to {MAX_SCROLL} notches")
    at = _target(command, match.group(3)) if match.group(3) else None
    return Scroll(direction, amount, at)  # type: ignore[arg-type]


def _wait(command: str, rest: str) -> Action:
    text = re.sub(r"^for\s+", "", rest.strip().rstrip("."), flags=re.I)
    if not text:
        return Wait()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)?", text, re.IGNORECASE)
    seconds = float(match.group(1)) if match else -1.0
    if not 0 < seconds <= MAX_WAIT_SECONDS:
        raise InstructionError(
            f"{command!r}: wait takes seconds above 0 and at most {MAX_WAIT_SECONDS:g}, "
            "like: wait 2 seconds"
        )
    return Wait(seconds)


def _open(command: str, rest: str) -> Action:
    quoted = _first_quoted(rest)
    app = quoted[1] if quoted is not None else rest.strip().rstrip(".")
    app = re.sub(r"^the\s+|(?<!\s)\s+(?:app|application|program)$", "", app.strip(), flags=re.I)
    if not app.strip():
        raise InstructionError(f"{command!r} does not say which application, like: open mousepad")
    return OpenApp(app.strip())


def _drag(command: str, rest: str) -> Action:
    spans = _quote_spans(rest)
    splits = [
        m
        for m in re.finditer(r"(?<!\s)\s+to\s+", rest, re.I)
        if not any(a <= m.start() < b for a, b in spans)
    ]
    if not splits:
        raise InstructionError(f'{command!r}: say where to drag to, like: drag "a.txt" to Trash')
    cut = splits[-1]
    start = re.sub(r"^from\s+", "", rest[: cut.start()].strip(), flags=re.I)
    return Drag(_target(command, start), _target(command, rest[cut.end() :]))


def _finish(cls: type[Done] | type[Fail]) -> _Handler:
    def handle(command: str, rest: str) -> Action:
        quoted = _first_quoted(rest)
        return cls(quoted[1] if quoted is not None else rest.strip())

    return handle


_Handler = Callable[[str, str], Action]

# Longest phrases first so "double click" wins over "click".
_VERBS: list[tuple[str, _Handler]] = [
    (r"double[\s-]?click", _pointing(DoubleClick)),
    (r"right[\s-]?click", _pointing(RightClick)),
    (r"left[\s-]?click|click|tap", _pointing(Click)),
    (r"enter(?=\s*$)", lambda command, rest: Hotkey(("enter",))),
    (r"type|enter|write|input", _type),
    (r"press|hit|key", _press),
    (r"scroll", _scroll),
    (r"wait|sleep|pause", _wait),
    (r"open|launch|start|run", _open),
    (r"drag", _drag),
    (r"done|finish|finished", _finish(Done)),
    (r"fail|give\s+up", _finish(Fail)),
]
_VERB_WORDS = [
    "click", "double click", "right click", "type", "enter", "press", "hit", "scroll",
    "wait", "open", "launch", "start", "drag", "done", "fail",
]  # fmt: skip


def _is_call(command: str) -> bool:
    match = re.match(r"([A-Za-z_]\w*)\s*\(", command)
    return bool(match and _CALL.fullmatch(command) and match.group(1) in (*ACTIONS, *ALIASES))


def parse_command(command: str) -> Action:
    """One command (plain English or an action call) -> one Action."""
    if _is_call(command):
        try:
            return parse_action(command)
        except ParseError as exc:
            raise InstructionError(f"{command!r}: {exc}") from None
    text = re.sub(r"^(?:please|now|first|finally|next)\s+", "", command.strip(), flags=re.I)
    for pattern, handler in _VERBS:
        match = re.match(rf"(?:{pattern})(?:\s+|$)", text, re.IGNORECASE)
        if match is not None:
            return handler(command, text[match.end() :])
    first = text.split(maxsplit=1)[0].lower() if text.split() else ""
    close = difflib.get_close_matches(first, _VERB_WORDS, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InstructionError(
        f"don't know how to do {command!r}.{hint} Supported commands:\n{SUPPORTED_FORMS}"
    )


def parse_instruction(text: str) -> list[Action]:
    """Turn a local-mode instruction into actions; raise InstructionError saying what is wrong."""
    return [action for _, action in parse_instruction_commands(text)]


def parse_instruction_commands(text: str) -> list[tuple[str, Action]]:
    """Like `parse_instruction`, keeping each command's own text beside its action."""
    if not isinstance(text, str) or not text.strip():
        raise InstructionError(
            f"the instruction is empty. Write commands such as:\n{SUPPORTED_FORMS}"
        )
    if len(text) > MAX_TEXT_CHARS:
        raise InstructionError(
            f"the instruction is {len(text)} characters; the limit is {MAX_TEXT_CHARS}"
        )
    commands = split_commands(text)
    if not commands:
        raise InstructionError(
            f"the instruction has no commands. Write commands such as:\n{SUPPORTED_FORMS}"
        )
    pairs = [(c, parse_command(c)) for c in commands]
    logger.debug("instruction %r -> %s", text, [a for _, a in pairs])
    return pairs
