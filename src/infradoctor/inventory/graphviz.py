"""Render dot text to SVG/PNG with Graphviz's `dot` when it is installed."""

from __future__ import annotations

import shutil
import subprocess


class GraphvizMissing(RuntimeError):
    """`dot` is not on PATH."""


def dot_binary() -> str | None:
    return shutil.which("dot")


def render_dot(dot: str, fmt: str, timeout: float = 60.0) -> bytes:
    """The picture (`svg` or `png`) of `dot`; raises GraphvizMissing without Graphviz and
    RuntimeError when dot fails."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"unsupported picture format {fmt!r}")
    binary = dot_binary()
    if binary is None:
        raise GraphvizMissing(
            "Graphviz is not installed (no `dot` on PATH): install it (apt-get install "
            "graphviz) or use --format dot / mermaid"
        )
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [binary, f"-T{fmt}"],
        input=dot.encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"dot -T{fmt} failed: {err[:500]}")
    return proc.stdout
