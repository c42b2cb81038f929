"""The action-language parser: every form, every error, and that nothing is ever run."""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_agent.actions import (
    ACTIONS,
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
    TypeText,
    Wait,
)
from desktop_agent.errors import ParseError
from desktop_agent.keys import NAMED_KEYS, order_keys
from desktop_agent.parser import ALIASES, extract_code, parse_action, parse_actions

SRC = Path(__file__).resolve().parents[2] / "src"


# ---------------------------------------------------------------- accepted forms


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ('click("Save")', Click("Save")),
        ("click('Save')", Click("Save")),
        ("click(120, 340)", Click(Point(120, 340))),
        ("click((120, 340))", Click(Point(120, 340))),
        ("click([120, 340])", Click(Point(120, 340))),
        ("click(x=120, y=340)", Click(Point(120, 340))),
        ('click(target="Save")', Click("Save")),
        ("click(point=(1, 2))", Click(Point(1, 2))),
        ("click(((((1, 2)))))", Click(Point(1, 2))),
        ('left_click("OK")', Click("OK")),
        ("  click('Save');  ", Click("Save")),
        ('click("Save")  # the toolbar button', Click("Save")),
        ('double_click("report.txt")', DoubleClick("report.txt")),
        ("double_click(5, 6)", DoubleClick(Point(5, 6))),
        ('right_click("Desktop")', RightClick("Desktop")),
        ("right_click(x=0, y=0)", RightClick(Point(0, 0))),
        ('type_text("hello")', TypeText("hello")),
        ('type_text("hello", into="Name", enter=False)', TypeText("hello", "Name", False)),
        ('type_text("hello", "Name", True)', TypeText("hello", "Name", True)),
        ('type_text(text="hi", into=(3, 4))', TypeText("hi", Point(3, 4))),
        ('type("hi", enter=True)', TypeText("hi", None, True)),
        ('write("日本語")', TypeText("日本語")),
        ('type_text("a", into=None)', TypeText("a")),
        ('hotkey("ctrl", "s")', Hotkey(("ctrl", "s"))),
        ('hotkey("ctrl+s")', Hotkey(("ctrl", "s"))),
        ('hotkey(["ctrl", "s"])', Hotkey(("ctrl", "s"))),
        ('hotkey(("Control", "Shift", "T"))', Hotkey(("ctrl", "shift", "t"))),
        ('hotkey("s", "ctrl")', Hotkey(("ctrl", "s"))),
        ('hotkey(keys=["alt", "f4"])', Hotkey(("alt", "f4"))),
        ('press("enter")', Hotkey(("enter",))),
        ('press("Return")', Hotkey(("enter",))),
        ('press("ctrl+shift+s")', Hotkey(("ctrl", "shift", "s"))),
        ('key("esc")', Hotkey(("escape",))),
        ('scroll("down")', Scroll("down", 3)),
        ('scroll("down", 3, at="List")', Scroll("down", 3, "List")),
        ('scroll("UP", 50)', Scroll("up", 50)),
        ('scroll(direction="left", amount=1, at=(10, 20))', Scroll("left", 1, Point(10, 20))),
        ('drag("a.txt", "Trash")', Drag("a.txt", "Trash")),
        ("drag((1, 2), (3, 4))", Drag(Point(1, 2), Point(3, 4))),
        ("drag(1, 2, 3, 4)", Drag(Point(1, 2), Point(3, 4))),
        ('drag(from_="a", to="b")', Drag("a", "b")),
        ('drag(start=(1, 2), end="b")', Drag(Point(1, 2), "b")),
        ("wait(1.5)", Wait(1.5)),
        ("wait(60)", Wait(60.0)),
        ("wait()", Wait(1.0)),
        ("wait(seconds=0.25)", Wait(0.25)),
        ("wait(+2)", Wait(2.0)),
        ('open_app("mousepad")', OpenApp("mousepad")),
        ('open_app(app="gedit")', OpenApp("gedit")),
        ("done()", Done()),
        ('done("saved")', Done("saved")),
        ('done(reason="saved")', Done("saved")),
        ('fail("no such button")', Fail("no such button")),
        ("fail()", Fail()),
    ],
)
def test_parse_action_accepts(text: str, action: Action) -> None:
    assert parse_action(text) == action


def test_parse_actions_reads_lines_and_semicolons() -> None:
    text = """
        click("File")
        click("Save As"); type_text("a; b", enter=True)

        # a comment line
        hotkey("ctrl", "s")
    """
    assert parse_actions(text) == [
        Click("File"),
        Click("Save As"),
        TypeText("a; b", None, True),
        Hotkey(("ctrl", "s")),
    ]


def test_parse_actions_reports_the_bad_one() -> None:
    with pytest.raises(ParseError, match="unknown action 'clik'"):
        parse_actions('click("a")\nclik("b")')


# ---------------------------------------------------------------- errors a model can act on


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'clik("Save")',
            ["unknown action 'clik'", "Valid actions: click(target)", "Did you mean click?"],
        ),
        ('tpye_text("x")', ["Did you mean type_text?"]),
        ("click()", ["click() needs a target", 'click("Save")', "click(120, 340)"]),
        ("click(Save)", ["Save is a bare name", 'click("Save")']),
        ("click(-5, 10)", ["non-negative", "(120, 340)"]),
        ("click(1.5, 2)", ["whole"]),
        ("click((1, 2, 3))", ["a point is two"]),
        ("click(True, False)", ["a point is two"]),
        ('click("")', ["empty target"]),
        ("click(1, 2, 3)", ["at most 1 positional"]),
        ('click("a", trget="b")', ["unknown keyword 'trget'", "Did you mean target=?"]),
        ('click("a", target="b")', ["'target' twice"]),
        ("click(x=1)", ["needs both"]),
        ("drag('a')", ["drag() needs where to start and where to end"]),
        ("type_text()", ["needs the text to type"]),
        ("type_text('')", ["non-empty string"]),
        ("type_text(5)", ["non-empty string in quotes"]),
        ('type_text("a", enter="yes")', ["True or False"]),
        ('hotkey("ctrll", "s")', ["unknown key 'ctrll'", "Did you mean 'ctrl'?"]),
        ("hotkey()", ["at least one key"]),
        ("hotkey(1)", ["key names in quotes"]),
        ('hotkey("a", modifier="ctrl")', ["unknown keyword 'modifier'"]),
        ('scroll("sideways")', ["'up', 'down', 'left', 'right'", "sideways"]),
        ("scroll()", ["direction must be one of"]),
        ('scroll("down", 0)', ["1 to 50"]),
        ('scroll("down", 51)', ["1 to 50"]),
        ('scroll("down", 2.5)', ["whole number"]),
        ("wait(0)", ["above 0"]),
        ("wait(-1)", ["above 0"]),
        ("wait(61)", ["at most 60"]),
        ("wait(True)", ["seconds must be a number"]),
        ("wait('2')", ["seconds must be a number"]),
        ("wait(1e999)", ["finite"]),
        ("open_app()", ["needs the application's name"]),
        ("open_app('  ')", ["non-empty string"]),
        ("done(5)", ["reason must be"]),
        ("", ["no action found"]),
        ("   \n  ", ["no action found"]),
        ("# just a comment", ["no action found"]),
        ('click("Save"', ["could not read", "close every parenthesis"]),
        ("click Save", ["could not read"]),
        ('click("a"); click("b")', ["found 2 statements", "exactly one"]),
        ('x = click("a")', ["is a statement", "Write only the call"]),
        ("import os", ["is a statement"]),
        ("click", ["needs parentheses"]),
        ('"Save"', ["not an action call"]),
        ("pyautogui.click(1, 2)", ["pyautogui.click(...) is not allowed", "bare name"]),
        ("click(**{'target': 'a'})", ["is not allowed", "keyword argument"]),
        ("click(*['a'])", ["*-unpacking"]),
        ("click(f'{x}')", ["f-string"]),
        ("click(1 + 2, 3)", ["an expression"]),
        ("click(a.b)", ["attribute access"]),
        ("click(a[0])", ["indexing"]),
        ("click(lambda: 1)", ["a lambda"]),
        ("click([i for i in range(3)])", ["a comprehension"]),
        ("click({'a': 1})", ["a dict"]),
        ("click(b'x')", ["not a supported literal"]),
        ("click(1j, 2)", ["not a supported literal"]),
        ("click([[[[[1, 2]]]]])", ["nested too deeply"]),
        ("click(-(-1), 2)", ["an expression"]),
        ("click('a')('b')", ["not an action name"]),
    ],
)
def test_parse_errors_say_what_to_write(text: str, expected: list[str]) -> None:
    with pytest.raises(ParseError) as info:
        parse_action(text)
    for part in expected:
        assert part in str(info.value), (part, str(info.value))


def test_too_long_text_is_refused_before_parsing() -> None:
    with pytest.raises(ParseError, match="limit is 20000"):
        parse_action('click("' + "a" * 20_000 + '")')


@pytest.mark.parametrize(
    "text",
    [
        "(" * 1000 + "1" + ")" * 1000,
        "click(" + "-" * 5000 + "1)",
        "click(" + "[" * 500 + "]" * 500 + ")",
        "\x00click('a')",
        "click('\\N{NO SUCH NAME}')",
    ],
)
def test_pathological_text_becomes_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_action(text)


# ---------------------------------------------------------------- nothing is ever run


def test_dangerous_inputs_are_rejected_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {marker}')",
        f"click(__import__('os').system('touch {marker}'))",
        "click(open('/etc/passwd').read())",
        f'exec(\'open("{marker}", "w").close()\')',
        f'eval(\'open("{marker}", "w")\')',
        f'click(exec(\'open("{marker}", "w")\'))',
        f"type_text(open('{marker}', 'w').write('x'))",
        f"[open('{marker}', 'w') for _ in '1']",
        f"(lambda: open('{marker}', 'w'))()",
        f"click(x=__import__('os').system('touch {marker}'), y=1)",
        f"import os; os.system('touch {marker}')",
        f"click('a'); __import__('os').system('touch {marker}')",
    ]
    for text in attacks:
        with pytest.raises(ParseError):
            parse_action(text)
        with pytest.raises(ParseError):
            parse_actions(text)
    assert not marker.exists()


_BANNED_CALLS = {"eval", "exec", "compile"}


def _banned_uses(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BANNED_CALLS | {"__import__"}:
                found.append(func.id)
            if (
                isinstance(func, ast.Attribute)
                and func.attr in _BANNED_CALLS | {"__import__"}
                and isinstance(func.value, ast.Name)
                and func.value.id in {"builtins", "__builtins__"}
            ):
                found.append(f"builtins.{func.attr}")
        if isinstance(node, ast.Attribute) and node.attr == "__import__":
            found.append("__import__ attribute")
    return found


def test_scanner_finds_what_it_looks_for() -> None:
    sample = "eval('1')\nexec('x')\ncompile('1', 'f', 'eval')\nbuiltins.__import__('os')\n"
    assert sorted(_banned_uses(ast.parse(sample))) == sorted(
        ["eval", "exec", "compile", "builtins.__import__", "__import__ attribute"]
    )


def test_no_source_file_calls_eval_exec_compile_or_import_hooks() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 5
    offenders = {}
    for path in files:
        found = _banned_uses(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if found:
            offenders[str(path.relative_to(SRC))] = found
    assert offenders == {}


# ---------------------------------------------------------------- calls in model output


@pytest.mark.parametrize(
    ("model_text", "code"),
    [
        ('click("Save")', 'click("Save")'),
        ('Action: click("Save")', 'click("Save")'),
        ('Thought: the file is open.\nAction: hotkey("ctrl", "s")', 'hotkey("ctrl", "s")'),
        ('I will save.\n```python\nclick("Save")\n```\nThat should work.', 'click("Save")'),
        ('```python\nclick("File")\n```\nthen\n```python\nclick("Save")\n```', 'click("Save")'),
        ('```\ntype_text("hi")\n```', 'type_text("hi")'),
        ('```python\nclick("Save")', 'click("Save")'),
        ('```python click("x")```', 'click("x")'),
        ("Next I press `press('enter')`.", "press('enter')"),
        ('First click("File"), then later:\nclick("Save")', 'click("Save")'),
        ('<action>scroll("down", 3)</action>', 'scroll("down", 3)'),
        ('Action: clik("Save")', 'clik("Save")'),
        ("I am not sure what to do.", "I am not sure what to do."),
        ("  ", ""),
    ],
)
def test_extract_code(model_text: str, code: str) -> None:
    assert extract_code(model_text) == code


def test_extract_code_keeps_multiline_blocks_for_parse_actions() -> None:
    text = 'Plan:\n```python\nclick("File")\nclick("Save")\n```'
    assert parse_actions(extract_code(text)) == [Click("File"), Click("Save")]


def test_extract_then_parse_a_typical_answer() -> None:
    answer = (
        "The dialog is open. I should type the name.\n"
        'Action: type_text("notes.txt", into="Name", enter=True)'
    )
    assert parse_action(extract_code(answer)) == TypeText("notes.txt", "Name", True)


# ---------------------------------------------------------------- properties

_NAMES = sorted([*ACTIONS, *ALIASES, "clik", "eval", "exec", "__import__", "open", "os.system"])

_leaf = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12).map(repr),
    st.sampled_from(["True", "False", "None", "x", "os", "...", "b'x'", "1j", "f'{x}'"]),
)


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, children).map(lambda t: f"({t[0]}, {t[1]})"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        children.map(lambda c: f"-{c}"),
        st.tuples(children, children).map(lambda t: f"{t[0]} + {t[1]}"),
        st.tuples(st.sampled_from(_NAMES), children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"{c}.attr"),
        children.map(lambda c: f"{c}[0]"),
        children.map(lambda c: f"lambda: {c}"),
        children.map(lambda c: "{" + c + ": 1}"),
    )


_args = st.recursive(_leaf, _expr, max_leaves=8)
_kw = st.tuples(
    st.sampled_from(["target", "x", "y", "into", "enter", "at", "amount", "keys", "to", "bogus"]),
    _args,
).map(lambda t: f"{t[0]}={t[1]}")
_call_text = st.builds(
    lambda name, args, kws, tail: f"{name}({', '.join(args + kws)}){tail}",
    st.sampled_from(_NAMES),
    st.lists(_args, max_size=4),
    st.lists(_kw, max_size=2),
    st.sampled_from(["", ";", "\n", ")", "(", "; click('a')", " # c"]),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_parse_error(text: str) -> None:
    for fn in (parse_action, parse_actions):
        with contextlib.suppress(ParseError):
            fn(text)
    extract_code(text)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(_call_text)
def test_python_looking_calls_raise_only_parse_error(text: str) -> None:
    for fn in (parse_action, parse_actions):
        try:
            result = fn(text)
        except ParseError:
            continue
        actions = result if isinstance(result, list) else [result]
        assert all(isinstance(a, Action) for a in actions)
    with contextlib.suppress(ParseError):
        parse_action(extract_code(text))


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() != ""
)
_point = st.builds(Point, st.integers(0, 10_000), st.integers(0, 10_000))
_target = st.one_of(_text, _point)
_keys = st.lists(
    st.sampled_from(sorted(NAMED_KEYS)) | st.sampled_from(list("abcxyz019/.,;'[]-=+")),
    min_size=1,
    max_size=4,
).map(order_keys)

_actions = st.one_of(
    st.builds(Click, _target),
    st.builds(DoubleClick, _target),
    st.builds(RightClick, _target),
    st.builds(Drag, _target, _target),
    st.builds(TypeText, _text, st.none() | _target, st.booleans()),
    st.builds(Hotkey, _keys),
    st.builds(
        Scroll,
        st.sampled_from(["up", "down", "left", "right"]),
        st.integers(1, 50),
        st.none() | _target,
    ),
    st.builds(Wait, st.integers(1, 60_000).map(lambda ms: ms / 1000)),
    st.builds(OpenApp, _text.map(str.strip).filter(bool)),
    st.builds(Done, st.text(max_size=20)),
    st.builds(Fail, st.text(max_size=20)),
)


@settings(max_examples=400)
@given(_actions)
def test_round_trip_through_the_action_language(action: Action) -> None:
    assert parse_action(action.to_code()) == action


@given(st.lists(_actions, min_size=1, max_size=5))
def test_round_trip_several_actions(actions: list[Action]) -> None:
    assert parse_actions("\n".join(a.to_code() for a in actions)) == actions
    assert parse_actions("; ".join(a.to_code() for a in actions)) == actions
