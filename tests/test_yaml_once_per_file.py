"""Each YAML text goes through libyaml once per lint, counted (never timed): a
kustomization is read by kustomize, by the k8s loader's kustomization search and by its
error report, and was composed three times (issue 8, session 18)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.syntax import yaml as positioned
from infradoctor.syntax.yaml import load_positioned_shared, source_from_text

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
    "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
    "      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n"
    "          image: nginx:1.27\n"
)


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    seen: Counter[str] = Counter()
    real = yaml.compose_all

    def counting(stream: str, Loader: type) -> object:  # noqa: N803 - PyYAML's name
        seen[stream] += 1
        return real(stream, Loader=Loader)

    monkeypatch.setattr(positioned.yaml, "compose_all", counting)
    return seen


def test_a_kustomization_is_composed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kustomization = "resources:\n  - deploy.yaml\nnamePrefix: prod-\nbogus: [\n"
    valid = kustomization.replace("bogus: [\n", "")
    for name, text in (("broken", kustomization), ("ok", valid)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(text)
        (tmp_path / name / "deploy.yaml").write_text(DEPLOY)
    seen = _counting(monkeypatch)
    stack = load_stack(tmp_path, LoadOptions(helm="off"))
    assert seen[valid] == 1 and seen[kustomization] == 1, seen
    assert {o.name for o in stack.k8s} == {"prod-web", "web"}
    # the broken one's parse error is still reported, once
    broken = [e for e in stack.errors if e.file == "broken/kustomization.yaml"]
    assert [e.kind for e in broken] == ["parse-error"] and broken[0].line == 5


def test_shared_load_follows_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memo is per text: a SourceFile given other text is read again."""
    seen = _counting(monkeypatch)
    src = source_from_text("a: 1\na: 2\n")
    first, errors = load_positioned_shared(src)
    again, errors_again = load_positioned_shared(src)
    assert first is again and first is not None and first.value == {"a": 2}
    assert errors == errors_again and errors is not errors_again and len(errors) == 1
    assert sum(seen.values()) == 1
    src.text = "b: 3\n"
    other, _ = load_positioned_shared(src)
    assert other is not None and other.value == {"b": 3} and sum(seen.values()) == 2


def test_plain_scalar_tags_are_matched_once_per_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The C composer asks for every plain scalar's tag: keys and values repeat, so each
    short text goes through PyYAML's implicit-tag regexes once; the memo is bounded."""
    matched: Counter[str] = Counter()
    real = positioned._plain_tag

    def counting(value: str) -> str:
        matched[value] += 1
        return real(value)

    monkeypatch.setattr(positioned, "_plain_tag", counting)
    monkeypatch.setattr(positioned, "_RESOLVED", {})
    long = "x" * 65
    text = "".join(
        f"- name: web\n  port: 80\n  on: yes\n  n: {long}\n  'q': 1\n" for _ in range(50)
    )
    root, errors = positioned.load_positioned(source_from_text(text))
    assert errors == [] and root is not None
    assert root.value[0] == {"name": "web", "port": 80, "on": "yes", "n": long, "q": 1}
    assert root.items[49].get("on") is not None and root.items[49].at("on") is not None
    short = {"name", "web", "port", "80", "on", "yes", "n", "1"}
    assert {v: matched[v] for v in short} == dict.fromkeys(short, 1)
    assert matched[long] == 50 and "q" not in matched  # too long to keep; quoted: no regex
    assert root.items[0].get("port") is not None
    assert positioned._RESOLVED["80"] == "tag:yaml.org,2002:int"
    monkeypatch.setattr(positioned, "_RESOLVED_MAX", len(positioned._RESOLVED))
    positioned.load_positioned(source_from_text("fresh: text\n"))
    assert "fresh" not in positioned._RESOLVED and matched["fresh"] == 1
