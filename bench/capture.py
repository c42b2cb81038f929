"""Screen capture: LocalDesktop.screenshot (mss) vs pyautogui.screenshot, same run.

    python -m bench.capture [--n 30]

Targets: mss median <= 20 ms at 1920x1080, and >= 5x faster than pyautogui.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import tempfile

from desktop_agent.desktop.local import LocalDesktop
from desktop_agent.desktop.virtual import VirtualDisplay

from ._common import print_table, summarize_ms, time_calls, write_results

TARGET_MEDIAN_MS = 20.0
TARGET_RATIO = 5.0
WARMUP = 3


def _fill_screen(display: VirtualDisplay) -> None:
    """Something to capture: a coloured root window and a text window."""
    subprocess.run(["xsetroot", "-solid", "#2a5d8f"], env=display.env, check=True)
    display.launch(["xmessage", "-name", "bench-capture", "-geometry", "+300+200", "x" * 80])
    subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--classname", "bench-capture"],
        env=display.env,
        check=True,
        capture_output=True,
        timeout=20,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="timed captures per method")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with VirtualDisplay(width=1920, height=1080) as display:
        _fill_screen(display)
        # pyscreeze uses scrot only when it sees an X11 session (read at import).
        os.environ["XDG_SESSION_TYPE"] = "x11"
        desktop = LocalDesktop(display=display.display)
        import pyautogui  # bound to the virtual display by LocalDesktop
        import pyscreeze

        size = desktop.screenshot().size
        check = pyautogui.screenshot()
        assert check.size == size, (check.size, size)
        mss_samples = time_calls(desktop.screenshot, args.n, WARMUP)
        # pyscreeze writes a temporary PNG into the working directory (scrot).
        cwd = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                pag_samples = time_calls(pyautogui.screenshot, args.n, WARMUP)
            finally:
                os.chdir(cwd)
        desktop.close()

    backend = "scrot" if pyscreeze.SCROT_EXISTS else "gnome-screenshot/ImageGrab"
    mss_stats = summarize_ms(mss_samples)
    pag_stats = summarize_ms(pag_samples)
    ratio = round(pag_stats["median_ms"] / mss_stats["median_ms"], 1)
    rows = [
        {"method": "LocalDesktop.screenshot (mss)", **mss_stats},
        {"method": f"pyautogui.screenshot ({backend})", **pag_stats},
    ]
    print_table(f"Screen capture {size[0]}x{size[1]}", rows, ["method", "median_ms", "p90_ms", "n"])
    median_ok = mss_stats["median_ms"] <= TARGET_MEDIAN_MS
    ratio_ok = ratio >= TARGET_RATIO
    print(
        f"mss median {mss_stats['median_ms']} ms <= {TARGET_MEDIAN_MS} ms: "
        f"{'PASS' if median_ok else 'FAIL'}"
    )
    print(f"speed-up {ratio}x >= {TARGET_RATIO}x: {'PASS' if ratio_ok else 'FAIL'}")
    path = write_results(
        "capture",
        {
            "size": list(size),
            "pyautogui_backend": backend,
            "results": rows,
            "ratio": ratio,
            "targets": {"median_ms": TARGET_MEDIAN_MS, "ratio": TARGET_RATIO},
            "pass": {"median": median_ok, "ratio": ratio_ok},
        },
    )
    print(f"results: {path}")
    return 0 if median_ok and ratio_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
