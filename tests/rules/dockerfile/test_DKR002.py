"""DKR002 base-image-unpinned: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from infradoctor.findings import Severity
from tests.rules.dockerfile.test_dockerfile_helpers import Tree, dockerfile, findings


def test_dkr002_what_is_pinned(tree: Tree) -> None:
    text = (
        "ARG BASE=python:3.12-slim\nARG UNKNOWN\n"
        "FROM ${BASE} AS one\n"
        "FROM $UNKNOWN AS two\n"
        "FROM base AS three\n"  # a bake build context
        "FROM one AS four\n"
        "FROM node@sha256:" + "b" * 64 + " AS five\n"
        "FROM --platform=$BUILDPLATFORM ubuntu AS six\n"
        "FROM ghcr.io/acme/base:latest\n"
    )
    hits = findings(tree, dockerfile(text), "DKR002")
    assert [f.location.line for f in hits] == [8, 9]
    assert all(f.severity is Severity.WARNING for f in hits)
