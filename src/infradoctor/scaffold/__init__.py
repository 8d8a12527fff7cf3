"""`infradoctor scaffold SERVICE_DIR`: detect a service and write its Dockerfile, kustomize
base/overlays and (with --compose) a compose service block plus an nginx snippet
(docs/scaffold.md). Planning is pure (`plan`); `write_plan` does the I/O."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from infradoctor.scaffold.detect import Detected, DetectError, detect
from infradoctor.scaffold.render import (
    Options,
    compose_service,
    dockerfile,
    k8s_files,
    nginx_snippet,
)

__all__ = [
    "DetectError",
    "Detected",
    "Options",
    "Plan",
    "ScaffoldError",
    "detect",
    "plan",
    "write_plan",
]


class ScaffoldError(Exception):
    pass


@dataclass(slots=True)
class Plan:
    detected: Detected
    files: dict[Path, str] = field(default_factory=dict)  # absolute path -> full new text
    merged: set[Path] = field(default_factory=set)  # files edited in place (compose)


def merge_compose(text: str, name: str, service: dict[str, object], force: bool) -> str:
    """Add `services.<name>` to a compose file, keeping every comment and line."""
    from infradoctor.fixes.yaml_edit import (
        YamlEditError,
        apply_text_edits,
        find_pair,
        insert_key,
        parse_document,
        plain_value,
    )

    if not text.strip():
        text = "services:\n"
    try:
        doc = parse_document(text)
    except Exception as exc:  # noqa: BLE001 - any YAML error
        raise ScaffoldError(f"cannot parse the compose file: {exc}") from None
    if doc is None:
        text, doc = "services:\n", parse_document("services:\n")
        assert doc is not None
    pair = find_pair(doc, "services")
    try:
        if pair is None:
            sep = "" if text.endswith("\n") else "\n"
            text = text + sep + "services:\n"
            doc = parse_document(text)
            assert doc is not None
            pair = find_pair(doc, "services")
            assert pair is not None
        key, services = pair
        if find_pair(services, name) is not None if not _is_null(services) else False:
            if not force:
                raise ScaffoldError(
                    f"service {name!r} already exists in the compose file (--force replaces it)"
                )
            return _replace_service(text, services, name, service)
        edits = insert_key(text, services, name, service, parent_key=key)
    except YamlEditError as exc:
        raise ScaffoldError(f"cannot edit the compose file: {exc}") from None
    out = apply_text_edits(text, edits)
    check = parse_document(out)
    got = plain_value(check) if check is not None else None
    if not isinstance(got, dict) or name not in (got.get("services") or {}):
        raise ScaffoldError("the merged compose file does not read back as intended")
    return out


def _is_null(node: object) -> bool:
    from infradoctor.fixes.yaml_edit import is_null

    return is_null(node)  # type: ignore[arg-type]


def _replace_service(text: str, services: object, name: str, service: dict[str, object]) -> str:
    """--force: drop the old entry's lines, then add the new one at the end."""
    from infradoctor.fixes.yaml_edit import content_end, find_pair, line_end, line_start

    pair = find_pair(services, name)  # type: ignore[arg-type]
    assert pair is not None
    start = line_start(text, pair[0].start_mark.index)
    end = line_end(text, content_end(text, pair[1]))
    text = text[:start] + text[end + 1 :]
    return merge_compose(text, name, service, force=False)


def plan(
    service_dir: Path,
    detected: Detected,
    opts: Options,
    compose: Path | None = None,
    nginx_out: Path | None = None,
    force: bool = False,
) -> Plan:
    p = Plan(detected)
    root = service_dir.resolve()
    p.files[root / "Dockerfile"] = dockerfile(detected)
    if detected.language == "python" or detected.language == "node":
        ignore = [
            ".git",
            ".venv",
            "venv",
            "__pycache__",
            "*.pyc",
            "node_modules",
            ".next",
            "k8s",
            ".env",
        ]
    else:
        ignore = [".git", "k8s", ".env", "target", "build", ".gradle", "vendor"]
    if detected.language == "php":
        ignore.remove("vendor")
        ignore.append("vendor")
    p.files[root / ".dockerignore"] = "\n".join(ignore) + "\n"
    for rel, text in k8s_files(detected, opts).items():
        p.files[root / rel] = text
    if compose is not None:
        compose = compose.resolve()
        existing = compose.read_text() if compose.exists() else ""
        context = os.path.relpath(root, compose.parent)
        context = "./" + context if not context.startswith(".") else context
        svc = compose_service(detected, context)
        p.files[compose] = merge_compose(existing, detected.name, svc, force)
        if compose.exists():
            p.merged.add(compose)
        out = nginx_out or compose.parent / "nginx" / "conf.d" / f"{detected.name}.conf"
        p.files[out.resolve()] = nginx_snippet(detected)
    return p


def conflicts(p: Plan, force: bool) -> list[Path]:
    """Existing files the plan would overwrite (merged compose files are edits, not
    overwrites)."""
    if force:
        return []
    return [path for path in p.files if path.exists() and path not in p.merged]


def write_plan(p: Plan) -> list[Path]:
    written = []
    for path, text in p.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.infradoctor-tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        written.append(path)
    return written
