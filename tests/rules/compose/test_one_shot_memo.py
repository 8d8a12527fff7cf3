"""`one_shot_reason` is worked out once per service (eight rules ask) and again when an
input was replaced: the memo never answers for inputs it was not computed from."""

from __future__ import annotations

from pathlib import Path

from infradoctor.loaders import LoadOptions, load_stack
from infradoctor.rules.compose import _util
from infradoctor.rules.compose._util import one_shot_reason

COMPOSE = """\
services:
  api:
    image: acme/api:1
    command: python -m app
  seed:
    image: acme/api:1
"""
WAITS = """\
  web:
    image: acme/web:1
    depends_on:
      api:
        condition: service_completed_successfully
"""


def test_one_shot_reason_is_computed_once_per_service(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    stack = load_stack(tmp_path, LoadOptions())
    project = stack.projects[0]
    calls: list[str] = []
    inner = _util._one_shot_reason

    def counted(service, proj):  # type: ignore[no-untyped-def]
        calls.append(service.name)
        return inner(service, proj)

    monkeypatch.setattr(_util, "_one_shot_reason", counted)
    api, seed = project.services["api"], project.services["seed"]
    for _ in range(5):
        assert one_shot_reason(api, project) is None
        assert one_shot_reason(seed, project) == "its name says it is a one-off job"
    assert calls == ["api", "seed"]

    api.command = "python manage.py migrate"  # a replaced input: asked again
    assert one_shot_reason(api, project) == "its command is a one-off task"
    seed.profiles = ["tools"]
    assert one_shot_reason(seed, project) == "profile 'tools'"
    assert one_shot_reason(seed, None) == "profile 'tools'"  # no project: nothing waits on it
    assert calls == ["api", "seed", "api", "seed"]

    # a project where another service waits for api to complete: asked again
    other = tmp_path / "other"
    other.mkdir()
    (other / "compose.yaml").write_text(COMPOSE + WAITS)
    waiting = load_stack(other, LoadOptions()).projects[0]
    assert one_shot_reason(api, waiting) == "another service waits for it to complete"
    assert calls == ["api", "seed", "api", "seed", "api"]
