"""Runbook policy rules: the numbers and requirements a team writes in
`[tool.infradoctor.policy]` (resource budgets per service class, hardening and published
ports per profile), checked with the policy line cited. Off unless configured."""

from __future__ import annotations

from infradoctor.rules.base import Rule
from infradoctor.rules.policy.POL001_resource_budget import ResourceBudget
from infradoctor.rules.policy.POL002_profile_hardening import ProfileHardening
from infradoctor.rules.policy.POL003_published_port_not_allowed import PublishedPortNotAllowed

RULES: tuple[type[Rule], ...] = (ResourceBudget, ProfileHardening, PublishedPortNotAllowed)
