"""DKR004 expose-differs-from-command-port: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

import pytest

from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("FROM python:3.12\nEXPOSE 5000\nCMD gunicorn -b :8000 app:app\n", True),
        ("FROM python:3.12\nEXPOSE 8000/tcp 9000\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nEXPOSE ${PORT}\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nCMD gunicorn -b :8000 app:app\n", False),
        ("FROM python:3.12\nEXPOSE 8000\nCMD python app.py\n", False),
    ],
)
def test_dkr004(tree: Tree, text: str, hit: bool) -> None:
    hits = findings(tree, dockerfile(text), "DKR004")
    assert bool(hits) is hit
    if hit:
        assert hits[0].location.line == 2 and hits[0].related[0].line == 3


def test_dkr004_port_ranges_stay_ranges(tree: Tree) -> None:
    """`EXPOSE 1-65535` is two numbers, not 65535 ports in a set and in the message."""
    assert not findings(
        tree, dockerfile("FROM python:3.12\nEXPOSE 1-65535\nCMD gunicorn -b :8000 a:b\n"), "DKR004"
    )
    (hit,) = findings(
        tree,
        dockerfile("FROM python:3.12\nEXPOSE 9000-9100 5000-5001/udp\nCMD gunicorn -b :8000 a:b\n"),
        "DKR004",
    )
    assert "EXPOSE 5000, 5001, 9000-9100 but" in hit.message
    assert hit.data["exposed"] == ["5000", "5001", "9000-9100"]
    for bad in ("EXPOSE 1-99999", "EXPOSE 9-1"):
        text = f"FROM python:3.12\n{bad}\nCMD gunicorn -b :8000 a:b\n"
        assert not findings(tree, dockerfile(text), "DKR004")
