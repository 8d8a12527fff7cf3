"""The live harness and a host whose iptables FORWARD policy drops bridged traffic (what
a normal dockerd leaves behind): it adds and removes its own rule, or fails at once
saying what to change. The decision is checked here without touching the host's
firewall; the live scenarios exercise the rule on this machine's real iptables."""

from __future__ import annotations

import pytest

from tests.live import harness

DOCKERD_LEFTOVER = "-P INPUT ACCEPT\n-P FORWARD DROP\n-A FORWARD -j DOCKER-USER\n"


@pytest.mark.parametrize(
    ("rules", "nf_call", "needed"),
    [
        (DOCKERD_LEFTOVER, "1\n", True),
        (DOCKERD_LEFTOVER, "0\n", False),  # bridged frames never reach iptables
        (DOCKERD_LEFTOVER, None, False),  # br_netfilter not loaded
        ("-P FORWARD ACCEPT\n", "1\n", False),
        ("-P FORWARD DROPPED\n", "1\n", False),
    ],
)
def test_rule_needed_only_when_bridged_traffic_is_dropped(
    rules: str, nf_call: str | None, needed: bool
) -> None:
    assert harness.forward_rule_needed(rules, nf_call) is needed


def test_our_rule_is_narrow_and_tagged() -> None:
    rule = harness.forward_rule("br-0123456789ab", "172.29.213.0/24")
    assert rule[0] == "FORWARD" and rule[-2:] == ["-j", "ACCEPT"]
    assert ["-i", "br-0123456789ab", "-o", "br-0123456789ab"] == rule[1:5]
    assert "172.29.213.0/24" in rule and "infradoctor-tests" in rule


def test_the_message_says_what_to_change() -> None:
    assert "iptables -P FORWARD ACCEPT" in harness.FORWARD_HELP
    assert "bridge-nf-call-iptables=0" in harness.FORWARD_HELP
