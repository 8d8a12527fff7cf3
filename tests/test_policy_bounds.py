"""Policy memory bounds read with the one size parser (syntax.numbers.docker_size), as the
rules read the limits they compare them with: a bound and a limit written alike are
equal bytes."""

from __future__ import annotations

import pytest

from infradoctor.policy import PolicyError, _bounds
from infradoctor.syntax.numbers import docker_size


@pytest.mark.parametrize("text", ["512m", "1g", "1.5GB", "768Mi", "100", "0.5g", "2t"])
def test_memory_bound_equals_the_limit_written_alike(text: str) -> None:
    bounds = _bounds(text, "memory", "policy")
    assert bounds is not None and bounds.low is None
    assert bounds.high == float(docker_size(text) or -1)


def test_memory_range_reads_both_ends() -> None:
    bounds = _bounds("512m..768m", "memory", "policy")
    assert bounds is not None
    assert (bounds.low, bounds.high) == (512 * 1024**2, 768 * 1024**2)


@pytest.mark.parametrize("text", ["lots", "512x", "1g..big", "-1g"])
def test_unreadable_memory_bound_is_a_policy_error(text: str) -> None:
    with pytest.raises(PolicyError, match="cannot read memory bounds"):
        _bounds(text, "memory", "policy")
