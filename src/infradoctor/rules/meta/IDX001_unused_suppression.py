"""IDX001 unused-suppression.

Unused suppressions are found by `infradoctor.suppress.apply_suppressions` (it alone knows
which findings each comment silenced). `check` adds what can be told from the text alone:
a suppression naming a code that matches no rule can never suppress anything."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule


class UnusedSuppression(Rule):
    code = "IDX001"
    name = "unused-suppression"
    title = "Suppression comment that suppresses nothing"
    severity = Severity.INFO
    category = "meta"
    why = (
        "An `# infradoctor: ignore[CODE]` comment that no longer matches a finding hides "
        "nothing today but will silently hide the next real problem on that line. Stale "
        "suppressions pile up after fixes and refactors, and a typo in the code (for example "
        "`NGX01` instead of `NGX001`) means the comment never worked at all.\n\n"
        "A suppression is reported when the rule it names was selected for the run and "
        "produced no finding on the suppressed line (or, for `ignore-file`, in the file). "
        "A bare `# infradoctor: ignore` is only reported when every rule ran. Codes that "
        "match no rule at all are always reported."
    )
    how_to_fix = (
        "Delete the comment, or remove the codes from it that no longer fire. If the "
        "suppression is intentionally kept (for example the finding only appears with some "
        "profiles), add `IDX001` to its code list: `# infradoctor: ignore[CMP001,IDX001]`."
    )
    examples = (
        Example(
            bad={
                "compose.yaml": (
                    "services:\n"
                    "  web:\n"
                    "    image: nginx:1.27\n"
                    "    restart: unless-stopped  # infradoctor: ignore[CMP999]\n"
                ),
            },
            good={
                "compose.yaml": (
                    "services:\n  web:\n    image: nginx:1.27\n    restart: unless-stopped\n"
                ),
            },
            description="The suppression names a rule code that does not exist.",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        from infradoctor.rules.registry import all_rules
        from infradoctor.suppress import unknown_code_findings

        # every rule: the domain rules and this one (the only meta rule)
        yield from unknown_code_findings(stack, self, (*all_rules(), type(self)))
