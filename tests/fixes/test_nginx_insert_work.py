"""Inserting into one big nginx block many times (a fix per server of a conf.d file)
does linear work: the child that ends before the insert point is looked up in an
index built once per block, not by a scan of every child per insert. Counted in lines
run, never timed."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.fixes.context import FixContext
from infradoctor.fixes.nginx_edit import NginxEditError, child_ends, insert_into_block
from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.model.stack import Stack
from tests.worktally import assert_linear


def _stack(root: Path, n: int, last: str = "server_tokens off;") -> Stack:
    servers = "".join(f"server {{\n    listen {8000 + i};\n}}\n" for i in range(n))
    directory = root / f"n{n}"
    (directory / "conf.d").mkdir(parents=True)
    (directory / "conf.d" / "site.conf").write_text(servers + last + "\n")
    return load_stack(directory, LoadOptions())


def test_many_inserts_into_one_block_are_linear(tmp_path: Path) -> None:
    stacks = {n: _stack(tmp_path, n) for n in (50, 200)}

    def run(n: int) -> None:
        stack = stacks[n]
        ctx = FixContext(stack)
        root = stack.nginx[0].root
        for _ in range(n):
            ctx.insert_into_block(root, ["gzip on;"])

    small, large = assert_linear(run, 50)
    assert large > small


def test_the_index_answers_as_the_scan(tmp_path: Path) -> None:
    stack = _stack(tmp_path, 3, last="server_tokens off")  # the last directive lacks `;`
    cfg = stack.nginx[0]
    text = stack.files[cfg.root_file].text
    with pytest.raises(NginxEditError, match="no `;`"):
        insert_into_block(text, cfg.root, ["gzip on;"])
    with pytest.raises(NginxEditError, match="no `;`"):
        insert_into_block(text, cfg.root, ["gzip on;"], ends=child_ends(cfg.root))
    first = cfg.root.block[0] if cfg.root.block else None
    assert first is not None and first.block is not None
    inside = insert_into_block(text, first, ["gzip on;"], ends=child_ends(first))
    assert inside == insert_into_block(text, first, ["gzip on;"])
