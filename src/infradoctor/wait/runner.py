"""Probe every target concurrently until it is ready or its deadline passes.

Each target gets a thread: attempt, then sleep an exponentially growing interval with
jitter (`interval * 2**n`, capped at `max_interval`, the sleep drawn from [d/2, d]),
until ready, its own timeout (`target_timeout`) or the global deadline. One attempt never
outlives the deadline (its socket timeout is the time left, at most `attempt_timeout`)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from infradoctor.wait.targets import ProbeResult, Target

PENDING, WAITING, READY, TIMED_OUT = "pending", "waiting", "ready", "timed out"


@dataclass(slots=True)
class TargetState:
    target: Target
    state: str = PENDING
    attempts: int = 0
    started: float = 0.0
    finished: float | None = None
    last: ProbeResult | None = None

    def elapsed(self, now: float | None = None) -> float:
        end = self.finished if self.finished is not None else (now or time.monotonic())
        return max(0.0, end - self.started)


@dataclass(slots=True)
class WaitOptions:
    timeout: float = 60.0  # global
    target_timeout: float | None = None  # per target (default: the global timeout)
    interval: float = 0.5  # first backoff delay
    max_interval: float = 5.0
    attempt_timeout: float = 5.0


def backoff_delay(attempt: int, opts: WaitOptions, rng: random.Random) -> float:
    """Delay after the `attempt`-th failure (1-based): exponential, capped, with jitter."""
    d = min(opts.max_interval, opts.interval * (2 ** max(0, attempt - 1)))
    return rng.uniform(d / 2, d)


def wait_all(
    targets: Sequence[Target],
    opts: WaitOptions,
    on_change: Callable[[list[TargetState]], None] | None = None,
    stop: threading.Event | None = None,
    once: bool = False,
) -> list[TargetState]:
    """Block until every target is ready or timed out; `once`: a single attempt each."""
    start = time.monotonic()
    states = [TargetState(t, started=start) for t in targets]
    lock = threading.Lock()
    stop = stop or threading.Event()
    global_deadline = start + opts.timeout

    def notify() -> None:
        if on_change is not None:
            with lock:
                snapshot = list(states)
            on_change(snapshot)

    def run(st: TargetState, seed: int) -> None:
        rng = random.Random(seed)
        deadline = min(global_deadline, start + (opts.target_timeout or opts.timeout))
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 and st.attempts:
                break
            attempt_timeout = max(0.05, min(opts.attempt_timeout, left))
            res = st.target.probe(attempt_timeout)
            with lock:
                st.attempts += 1
                st.last = res
                if res.ok:
                    st.state = READY
                    st.finished = time.monotonic()
                else:
                    st.state = WAITING
            notify()
            if res.ok or once:
                break
            delay = backoff_delay(st.attempts, opts, rng)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            stop.wait(min(delay, left))
        with lock:
            if st.state != READY:
                st.state = TIMED_OUT
                st.finished = time.monotonic()
        notify()

    threads = [
        threading.Thread(target=run, args=(st, i + int(start * 1e6)), daemon=True)
        for i, st in enumerate(states)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return states
