"""`desktop-agent`: the command line.

desktop-agent run "INSTRUCTION" [--virtual | --display :N] [--dry-run] [--max-steps N] [--out DIR]
                  [--local | --single-model] [--max-cost USD] [--max-minutes M]
desktop-agent demo [--out DIR]
desktop-agent ground IMAGE "description" [--json] [--experts ocr,...]
desktop-agent parse IMAGE [--overlay OUT.png] [--json]
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_agent.errors import AgentError
from desktop_agent.events import AgentEvent, UsageUpdated
from desktop_agent.killswitch import DEFAULT_KILL_HOTKEY
from desktop_agent.llm import ModelsConfig, load_config
from desktop_agent.redaction import install_log_redaction
from desktop_agent.safety import CONFIRM_MODES
from grounding.errors import GroundingError

from .console import print_event, terminal_confirm, usage_table
from .demo import run_demo
from .grounding_cli import add_grounding_commands, run_grounding_command
from .session import RunOptions, default_output_dir, run_instruction


def _number(kind: type[int] | type[float], *, above: float, inclusive: bool = False) -> Any:
    """An argparse type: `kind` greater than `above` (or equal, when `inclusive`)."""
    bound = f">= {above:g}" if inclusive else f"> {above:g}"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value < above or (value == above and not inclusive):  # nan too
            # 0 steps would silently mean "the default"; a negative cost or time, nothing.
            raise argparse.ArgumentTypeError(f"must be {bound}, not {text}")
        return value

    return parse


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="desktop-agent",
        description="Operate a desktop with the real mouse and keyboard.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="carry out an instruction",
        description=(
            "Carry out an instruction. With a model configured (see docs/models.md) a "
            "planner model breaks it into subgoals and a worker model acts; with none, or "
            "with --local, it runs in local mode: direct commands such as "
            "\"click Save; type 'hello' into Name; press ctrl+s\" "
            'or calls of the action language such as click("Save").'
        ),
    )
    run.add_argument("instruction")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--virtual", action="store_true", help="run on a new virtual display")
    where.add_argument("--display", metavar=":N", help="X display to operate (default $DISPLAY)")
    run.add_argument("--monitor", type=int, default=1, help="monitor to capture; 0 = all")
    run.add_argument("--dry-run", action="store_true", help="record actions, do not act")
    run.add_argument(
        "--max-steps",
        type=_number(int, above=0),
        metavar="N",
        help="step budget (default: config, else 30)",
    )
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--local", action="store_true", help="local mode even with a model set up")
    mode.add_argument(
        "--single-model",
        action="store_true",
        help="one model answers actions with coordinates (UI-TARS style), no manager",
    )
    run.add_argument(
        "--max-cost",
        type=_number(float, above=0, inclusive=True),
        metavar="USD",
        help="cost ceiling in US dollars (default: config)",
    )
    run.add_argument(
        "--max-minutes",
        type=_number(float, above=0),
        metavar="M",
        help="time limit for the run (default: config)",
    )
    run.add_argument("--out", type=Path, metavar="DIR", help=f"default {default_output_dir()}")
    run.add_argument(
        "--confirm",
        choices=CONFIRM_MODES,
        default="ask",
        help="risky actions: ask on the terminal (default), allow, or deny",
    )
    run.add_argument("--yes", action="store_true", help="same as --confirm allow")
    run.add_argument("--kill-hotkey", default=DEFAULT_KILL_HOTKEY, help="stops the run at once")

    demo = sub.add_parser(
        "demo",
        help="run the built-in demo (no screen, no model needed)",
        description="Start a virtual display and a real text editor, and save a file "
        "through the editor's own UI.",
    )
    demo.add_argument("--out", type=Path, metavar="DIR", help=f"default {default_output_dir()}")
    add_grounding_commands(sub)
    return parser


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    install_log_redaction()


def _models_for(args: argparse.Namespace) -> ModelsConfig:
    """The model config (a broken one is an error); says how to set one up when none is."""
    models = load_config()
    if not args.local and not models.is_configured("planner"):
        where = models.config_path or "the config file"
        print(
            "desktop-agent: no model is configured, so this runs in local mode (direct commands).\n"
            "  To use a model: set DESKTOP_AGENT_BASE_URL and DESKTOP_AGENT_MODEL, or write a "
            f"[model] section in {where};\n  the key goes in $DESKTOP_AGENT_API_KEY or the OS "
            "keyring. See docs/models.md; --local skips this note.",
            file=sys.stderr,
        )
    return models


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        if args.command == "demo":
            return run_demo(out=args.out, on_event=print_event, say=print)
        if args.command in ("ground", "parse"):
            return run_grounding_command(args)
        options = RunOptions(
            display=args.display,
            virtual=args.virtual,
            dry_run=args.dry_run,
            max_steps=args.max_steps,
            out=args.out,
            confirm_mode="allow" if args.yes else args.confirm,
            kill_hotkey=args.kill_hotkey,
            monitor=args.monitor,
            local=args.local,
            single_model=args.single_model,
            max_cost_usd=args.max_cost,
            max_minutes=args.max_minutes,
        )
        models = _models_for(args)
        usage: list[UsageUpdated] = []

        def on_event(event: AgentEvent) -> None:
            if isinstance(event, UsageUpdated):
                usage.append(event)
            print_event(event)

        final = run_instruction(
            args.instruction,
            options,
            on_event=on_event,
            confirm=terminal_confirm(),
            models=models,
        )
        if usage:
            print("model usage:\n" + usage_table(usage[-1]), flush=True)
        return 0 if final.status == "done" else 1
    except (AgentError, GroundingError) as exc:
        print(f"desktop-agent: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
