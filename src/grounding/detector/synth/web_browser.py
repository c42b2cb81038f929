"""A headless Chromium driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` makes Chromium read protocol messages on fd 3 and
write its answers on fd 4, each a JSON object ended by a NUL byte. That needs
no port, no websocket client and no driver binary: only Debian's `chromium`.
One browser process and one tab serve many pages; the page's HTML is swapped
in with `Page.setDocumentContent` (no files, no network).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import logging
import os
import select
import shutil
import subprocess
import tempfile
import time
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

LAUNCH_FLAGS = (
    "--headless",
    "--no-sandbox",  # root inside containers; the pages are our own HTML
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--disable-breakpad",
    "--remote-debugging-pipe",
)

# Resolves once images are decoded and fonts loaded, so the boxes and the
# screenshot see the final layout; the timeout guards against a stuck image.
_READY_JS = """
new Promise(done => {
  const imgs = Array.from(document.images, i => i.decode().catch(() => null));
  Promise.all([...imgs, document.fonts.ready]).then(() =>
    requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
  setTimeout(() => done(false), 3000);
})
"""


# A tab's renderer slowly grows over many documents; a fresh tab every so often
# keeps memory flat.
RECYCLE_PAGES = 200


class ChromiumError(RuntimeError):
    """Chromium is missing, died, or answered a command with an error."""


def find_chromium() -> str:
    """The Chromium executable: $GROUNDING_CHROMIUM, else the first on PATH."""
    env = os.environ.get("GROUNDING_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumError(
        "Chromium not found: install Debian's `chromium` (packaging/install-system-deps.sh) "
        "or set GROUNDING_CHROMIUM to a Chrome/Chromium executable"
    )


def _high_fd(fd: int) -> int:
    """A copy of fd numbered >= 10, so moving it to 3/4 in the child cannot clobber the other."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


class Chromium:
    """One headless Chromium with one tab; use as a context manager."""

    def __init__(self, executable: str | None = None, *, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._profile = tempfile.mkdtemp(prefix="grounding-chromium-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        child_in, child_out = _high_fd(to_child_r), _high_fd(from_child_w)

        def wire_pipes() -> None:  # runs in the child before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [executable or find_chromium(), *LAUNCH_FLAGS, f"--user-data-dir={self._profile}"]
        try:
            self._proc = subprocess.Popen(
                [*args, "about:blank"],
                pass_fds=(3, 4),
                preexec_fn=wire_pipes,  # only dup2 in the child: no locks taken
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise ChromiumError(f"cannot start {args[0]}: {exc}") from exc
        finally:
            os.close(child_in)
            os.close(child_out)
        self._wfd, self._rfd = to_child_w, from_child_r
        self._buf = b""
        self._next_id = 0
        self._session: str | None = None
        self._target = ""
        self._frame = ""
        self._pages = 0
        try:
            self._open_tab()
        except BaseException:
            self.close()
            raise

    def _open_tab(self) -> None:
        """Attaches to a fresh tab and closes the previous one (its renderer goes with it)."""
        self._target = self.send("Target.createTarget", {"url": "about:blank"}, tab=False)[
            "targetId"
        ]
        attached = self.send(
            "Target.attachToTarget", {"targetId": self._target, "flatten": True}, tab=False
        )
        self._session = attached["sessionId"]
        self._frame = self.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        for info in self.send("Target.getTargets", tab=False)["targetInfos"]:
            if info.get("type") == "page" and info["targetId"] != self._target:
                self.send("Target.closeTarget", {"targetId": info["targetId"]}, tab=False)
        self._pages = 0
        self.send("Emulation.setFocusEmulationEnabled", {"enabled": True})

    # -- protocol ---------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, *, tab: bool = True) -> Any:
        """Sends one command (to the tab's session unless tab=False) and returns its result."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if tab and self._session:
            msg["sessionId"] = self._session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._wfd, data) :]
        except OSError as exc:
            raise ChromiumError(f"Chromium pipe closed while sending {method}: {exc}") from exc
        deadline = time.monotonic() + self.timeout_s
        while True:
            reply = json.loads(self._read_message(deadline, method))
            if reply.get("id") != self._next_id:
                continue  # an event; we subscribe to none we need
            if "error" in reply:
                raise ChromiumError(f"{method}: {reply['error'].get('message', reply['error'])}")
            return reply.get("result", {})

    def _read_message(self, deadline: float, method: str) -> bytes:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._rfd], [], [], left)[0]:
                raise ChromiumError(f"Chromium did not answer {method} within {self.timeout_s} s")
            chunk = os.read(self._rfd, 1 << 20)
            if not chunk:
                raise ChromiumError(f"Chromium exited (code {self._proc.poll()}) during {method}")
            self._buf += chunk
        message, self._buf = self._buf.split(b"\0", 1)
        return message

    # -- pages ------------------------------------------------------------

    def render(
        self, html: str, *, width: int, height: int, scale: float = 1.0, script: str = "null"
    ) -> tuple[bytes, Any]:
        """Shows html in a width x height CSS-pixel viewport at the given device scale.

        Returns the PNG screenshot (device pixels) and the JSON value of `script`,
        evaluated after images and fonts are ready and before the screenshot.
        """
        if self._pages >= RECYCLE_PAGES:
            self._open_tab()
        self._pages += 1
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False},
        )
        self.send("Page.setDocumentContent", {"frameId": self._frame, "html": html})
        self.evaluate(_READY_JS)
        value = self.evaluate(script)
        shot = self.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
        return base64.b64decode(shot["data"]), value

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JS expression in the tab (promises are awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ChromiumError(f"page script failed: {text}")
        return result.get("result", {}).get("value")

    # -- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Closes the browser (gracefully, then by force) and removes its profile."""
        if self._proc.poll() is None:
            try:
                self.timeout_s = 5.0
                self.send("Browser.close", tab=False)
            except ChromiumError:
                pass
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for fd in (self._wfd, self._rfd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wfd = self._rfd = -1
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
