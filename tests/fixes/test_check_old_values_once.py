"""The joint edit check reads each edited mapping as it was once: every check of an entry
added to a service mapping, and the joint reading of them all, share one conversion of
the mapping (`yaml_edit.old_value`), and the verdicts stay what each check says alone."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from infradoctor.fixes import yaml_edit as ye

SERVICES = 12
TEXT = "services:\n" + "".join(
    f"  s{i}:\n    image: app:{i}\n    environment:\n      A: '{i}'\n      B: [x, y]\n"
    for i in range(SERVICES)
)


def _checks() -> tuple[list[ye.EditCheck], list[Any]]:
    doc = ye.parse_document(TEXT)
    mappings = [ye.find(doc, ["services", f"s{i}"]) for i in range(SERVICES)]
    checks = []
    for m in mappings:
        assert m is not None
        for key, value in (("restart", "always"), ("init", True), ("stop_signal", "SIGINT")):
            verify = ye.insert_key(TEXT, m, key, value)[0].verify
            assert isinstance(verify, ye.EditCheck)
            checks.append(verify)
    return checks, mappings


def _conversions(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """id(node) -> plain_value conversions of it."""
    tally: Counter[int] = Counter()
    real = ye.plain_value

    def counted(node: Any, budget: Any = None) -> Any:
        tally[id(node)] += 1
        return real(node, budget)

    monkeypatch.setattr(ye, "plain_value", counted)
    ye._OLD_VALUES.clear()
    return tally


def test_each_edited_mapping_is_read_as_it_was_once(monkeypatch: pytest.MonkeyPatch) -> None:
    checks, mappings = _checks()
    alone = [c() for c in checks]
    tally = _conversions(monkeypatch)
    assert ye.check_all(checks) == alone == [None] * len(checks)
    # three checks and the joint reading per mapping: one conversion (was four)
    assert [tally[id(m)] for m in mappings] == [1] * SERVICES


def test_a_reading_spends_the_budget_the_conversion_did() -> None:
    checks, mappings = _checks()
    ye._OLD_VALUES.clear()
    first = ye._Budget()
    ye.old_value(mappings[0], first)
    spent = ye._MAX_VALUE_NODES - first.left
    assert spent > 5
    again = ye._Budget()
    ye.old_value(mappings[0], again)  # from the memo
    assert again.left == first.left
    short = ye._Budget()
    short.left = spent - 1
    with pytest.raises(ye.YamlEditError, match="value too large to check"):
        ye.old_value(mappings[0], short)


def test_same_value_of_a_value_and_itself() -> None:
    nan = float("nan")
    value = {"a": [1, {"b": nan}], "c": ye.ANY}
    assert ye.same_value(value, value)
    assert not ye.same_value({**value, "a": [1, {"b": 1.0}]}, value)
    assert not ye.same_value(value, {**value, "a": [True, {"b": nan}]})
