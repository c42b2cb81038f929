"""Which actions are risky, and asking a person before doing them.

The policy reads an action (and the instruction and the active window) and
returns the reason it is risky, or None. What happens then is the mode:
"ask" calls the confirm function (the CLI asks on the terminal, the Qt app in
a dialog), "allow" goes ahead, "deny" refuses every risky action.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .actions import Action, Click, DoubleClick, Hotkey, OpenApp, TypeText
from .errors import ConfirmationDenied, ParseError
from .keys import order_keys, parse_key_combo

logger = logging.getLogger(__name__)

ConfirmMode = Literal["ask", "allow", "deny"]
ConfirmFn = Callable[[str], bool]
CONFIRM_MODES: tuple[str, ...] = ("ask", "allow", "deny")

DEFAULT_RISKY_HOTKEYS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("alt", "f4"),
        ("ctrl", "q"),
        ("ctrl", "w"),
        ("ctrl", "shift", "q"),
        ("ctrl", "alt", "delete"),
        ("ctrl", "alt", "backspace"),
        ("delete",),
        ("shift", "delete"),
        ("super", "l"),
    }
)
DEFAULT_RISKY_WORDS: tuple[str, ...] = (
    "send", "delete", "remove", "erase", "wipe", "format disk", "format drive",
    "uninstall", "buy", "purchase", "pay", "place order", "checkout", "transfer", "submit",
    "publish",
    "post", "shutdown", "shut down", "reboot", "restart", "log out", "sign out",
)  # fmt: skip
DEFAULT_TERMINALS: tuple[str, ...] = (
    "terminal", "xterm", "konsole", "tilix", "alacritty", "kitty", "urxvt",
    "terminator", "wezterm", "console", "bash", "zsh", "powershell", "cmd.exe",
)  # fmt: skip


# Options that only choose how a window opens.
_PLAIN_OPTIONS = frozenset({"--new-window", "--new-tab", "--new-instance", "--private-window",
                            "-n", "-i"})  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class SafetyConfig:
    mode: ConfirmMode = "ask"
    risky_hotkeys: frozenset[tuple[str, ...]] = DEFAULT_RISKY_HOTKEYS
    risky_words: tuple[str, ...] = DEFAULT_RISKY_WORDS
    terminal_words: tuple[str, ...] = DEFAULT_TERMINALS
    # open_app with these commands is risky: they can do anything.
    risky_apps: tuple[str, ...] = ("sudo", "rm", "dd", "mkfs", "shutdown", "reboot")
    # Programs that run whatever their arguments say: starting one is running a command.
    command_runners: tuple[str, ...] = (
        "sh", "bash", "zsh", "dash", "fish", "ksh", "csh", "tcsh", "python", "python3",
        "perl", "ruby", "node", "nodejs", "php", "lua", "env", "xargs", "find", "nohup",
        "setsid", "timeout", "nice", "systemd-run", "pkexec", "su", "doas", "busybox",
        "xdg-open", "gio", "dbus-send", "crontab", "at", "ssh", "curl", "wget",
    )  # fmt: skip
    extra_hotkeys: frozenset[tuple[str, ...]] = field(default_factory=frozenset)


def canonical_combo(keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Keys as the parser writes them ("Control", "Del" -> ctrl, delete; modifiers first).

    Actions built without the parser (from JSON, a demo, a model's tool call)
    may spell keys any way the desktop accepts; the risk check must not miss them.
    """
    try:
        parts = [key for part in keys for key in parse_key_combo(part)]
    except ParseError:
        return tuple(k.strip().lower() for k in keys)
    return order_keys(parts)


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.IGNORECASE)


class SafetyPolicy:
    """Decides which actions need a person's yes before they run."""

    def __init__(self, config: SafetyConfig | None = None) -> None:
        self.config = config or SafetyConfig()
        self._risky_words = _word_pattern(self.config.risky_words)
        self._terminal = _word_pattern(self.config.terminal_words)
        self._risky_hotkeys = frozenset(
            canonical_combo(combo)
            for combo in (*self.config.risky_hotkeys, *self.config.extra_hotkeys)
        )

    def instruction_risk(self, instruction: str) -> str | None:
        """Why the whole instruction is risky (it asks to send, delete, buy ...)."""
        found = self._risky_words.search(instruction)
        if found:
            return f"the instruction asks to {found.group(1).lower()!r}"
        return None

    def action_risk(self, action: Action, *, active_window: str | None = None) -> str | None:
        """Why this action is risky, or None."""
        if isinstance(action, Hotkey):
            keys = canonical_combo(action.keys)
            if keys in self._risky_hotkeys:
                return f"the key combination {'+'.join(keys)} can close windows or delete data"
        if isinstance(action, Click | DoubleClick) and isinstance(action.target, str):
            found = self._risky_words.search(action.target)
            if found:
                return f"clicking {action.target!r} may {found.group(1).lower()} something"
        if isinstance(action, TypeText) and active_window and self._terminal.search(active_window):
            return f"typing into a terminal ({active_window!r}) can run commands"
        if isinstance(action, OpenApp):
            return self._app_risk(action.app)
        return None

    def _app_risk(self, command: str) -> str | None:
        """open_app runs a program with arguments (no shell); some programs run anything."""
        cfg = self.config
        words = command.split()
        if not words:
            return None
        program = os.path.basename(words[0])  # "/usr/bin/sudo ..." is sudo too
        if program in cfg.risky_apps:
            return f"starting {program!r} can change the system"
        if re.fullmatch(r"(python|perl|ruby|php|lua)[\d.]*", program) or (
            program in cfg.command_runners
        ):
            return f"{program!r} runs whatever command it is given"
        if self._terminal.search(program):
            return f"{program!r} is a terminal, which can run commands"
        options = [w for w in words[1:] if w.startswith("-") and w not in _PLAIN_OPTIONS]
        if options:
            # A model's open_app should name an app (and maybe a file); options
            # like -e or --command can make it do much more.
            return f"starting {program!r} with options {' '.join(options)!r}"
        return None

    def approve(self, reason: str, what: str, confirm: ConfirmFn | None) -> None:
        """Apply the mode to a risky thing; raises ConfirmationDenied when refused."""
        mode = self.config.mode
        if mode == "allow":
            logger.info("risky but allowed by policy: %s (%s)", what, reason)
            return
        if mode == "deny":
            raise ConfirmationDenied(
                f"refused {what}: {reason}; the confirmation mode is 'deny' "
                "(use --confirm ask or --yes to allow risky actions)"
            )
        if confirm is None:
            raise ConfirmationDenied(
                f"refused {what}: {reason}, and no one can be asked "
                "(run interactively, or pass --yes to allow risky actions)"
            )
        if not confirm(f"{what}: {reason}. Go ahead?"):
            raise ConfirmationDenied(f"refused {what}: {reason} (not confirmed)")
        logger.info("risky action confirmed: %s", what)

    def check(
        self, action: Action, *, active_window: str | None = None, confirm: ConfirmFn | None
    ) -> str | None:
        """Raise ConfirmationDenied unless the action is safe or approved; return the risk."""
        reason = self.action_risk(action, active_window=active_window)
        if reason is not None:
            self.approve(reason, action.to_code(), confirm)
        return reason
