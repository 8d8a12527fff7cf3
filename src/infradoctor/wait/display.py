"""Progress display and final table for `wait` (and `smoke`'s probe section).

On a TTY one line per target is redrawn in place (ANSI cursor movement, no dependency);
otherwise a line is printed when a target becomes ready or times out. Every message goes
through `infradoctor.redact` (server messages can echo a user name or a URL)."""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

from infradoctor.redact import redact_text
from infradoctor.wait.runner import READY, TIMED_OUT, TargetState

MARK = {READY: "ok", TIMED_OUT: "FAIL", "waiting": "..", "pending": ".."}


def _fmt(st: TargetState, width: int, now: float | None = None) -> str:
    last = st.last.message if st.last else ""
    return (
        f"{MARK.get(st.state, '..'):>4}  {st.target.display:<{width}}  {st.state:<9}  "
        f"{st.attempts:>3} tries  {st.elapsed(now):6.1f}s  {redact_text(last)}"
    )


class Progress:
    """Thread-safe sink for `wait_all(on_change=...)`."""

    def __init__(self, stream: TextIO, tty: bool, count: int, width: int) -> None:
        self.stream, self.tty, self.width = stream, tty, width
        self.lock = threading.Lock()
        self.drawn = 0
        self.reported: set[int] = set()
        self.latest: list[TargetState] = []
        self.count = count

    def __call__(self, states: list[TargetState]) -> None:
        with self.lock:
            self.latest = states
            if self.tty:
                return  # the ticker redraws
            for i, st in enumerate(states):
                if st.state in (READY, TIMED_OUT) and i not in self.reported:
                    self.reported.add(i)
                    self.stream.write(_fmt(st, self.width) + "\n")
                    self.stream.flush()

    def redraw(self) -> None:
        with self.lock:
            if not self.tty or not self.latest:
                return
            now = time.monotonic()
            out = "\x1b[F" * self.drawn if self.drawn else ""
            for st in self.latest:
                out += "\x1b[2K" + _fmt(st, self.width, now)[:200] + "\n"
            self.drawn = len(self.latest)
            self.stream.write(out)
            self.stream.flush()

    def clear(self) -> None:
        with self.lock:
            if self.tty and self.drawn:
                self.stream.write("\x1b[F\x1b[2K" * self.drawn)
                self.stream.flush()
                self.drawn = 0


def table(states: list[TargetState]) -> str:
    if not states:
        return ""
    width = max(len(s.target.display) for s in states)
    head = f"{'':>4}  {'TARGET':<{width}}  {'STATE':<9}  {'ATTEMPTS':>9}  {'ELAPSED':>7}  DETAIL"
    lines = [head]
    for st in states:
        lines.append(_fmt(st, width))
    return "\n".join(lines) + "\n"


def as_json(states: list[TargetState]) -> list[dict[str, Any]]:
    return [
        {
            "target": st.target.display,
            "scheme": st.target.scheme,
            "state": st.state,
            "ready": st.state == READY,
            "attempts": st.attempts,
            "elapsed": round(st.elapsed(), 3),
            "message": redact_text(st.last.message) if st.last else None,
        }
        for st in states
    ]
