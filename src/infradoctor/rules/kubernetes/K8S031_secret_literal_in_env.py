"""K8S031: a secret written as a literal env value in a manifest."""

from __future__ import annotations

import re
from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.k8s import K8sEnv
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.rules.kubernetes._probe_examples import served
from infradoctor.rules.security._secrets import (
    is_literal_secret_value,
    is_secret_name,
    url_with_password,
)
from infradoctor.subjects import ContainerSubject

BAD = served(
    "billing",
    "ghcr.io/acme/billing:3.1.0",
    "          env:\n            - name: STRIPE_API_KEY\n"
    "              value: sk_live_51HqLyjWDarjtT1zdp7dcXw2\n",
)
GOOD = served(
    "billing",
    "ghcr.io/acme/billing:3.1.0",
    "          env:\n            - name: STRIPE_API_KEY\n              valueFrom:\n"
    "                secretKeyRef: {name: billing, key: stripe-api-key}\n",
)


PLACEHOLDER_WORDS = re.compile(
    r"example|change|replace|your|random|dummy|fake|sample|placeholder|secret|password|"
    r"test|demo|todo|xxx",
    re.IGNORECASE,
)


def key_material(value: str) -> bool:
    """Looks generated (16+ characters mixing letters and digits, no placeholder words):
    a real key rather than a demo default such as `password` or `postgres`."""
    v = value.strip()
    if "://" in v:
        v = v.split("://", 1)[1].split("@", 1)[0].rsplit(":", 1)[-1]
    return (
        len(v) >= 16
        and any(ch.isdigit() for ch in v)
        and any(ch.isalpha() for ch in v)
        and not PLACEHOLDER_WORDS.search(v)
    )


def literal_secret(env: K8sEnv) -> bool:
    """A literal value (never `$(VAR)` or a template) under a secret-looking name, or a
    URL carrying a password."""
    value = env.value
    if value is None or env.value_from or "$(" in value or "{{" in value:
        return False
    if is_secret_name(env.name):
        return is_literal_secret_value(value)
    return url_with_password(value)


@record(frozen=True)
class SecretEnv(ContainerSubject):
    """The variable holding a literal secret (its name, never its value)."""

    variable: str


class SecretLiteralInEnv(Rule):
    code = "K8S031"
    name = "secret-literal-in-env"
    title = "Secret written as a literal env value"
    severity = Severity.WARNING
    category = "security"
    why = (
        "`env[].value` is stored in the manifest, in Git, in the Deployment object that "
        "anyone with read access to the namespace can `kubectl get -o yaml`, and in every "
        "ReplicaSet revision. A password or API key there is leaked to everyone who can "
        "read the repository or the namespace, and rotating it means a new commit and a "
        "rollout. Placeholders (`<token>`) are not reported; values that look generated "
        "(16+ characters mixing letters and digits) are warnings, weak demo defaults "
        "(`password`, `postgres`) info. The value never appears in infradoctor's output."
    )
    how_to_fix = (
        "Put the value in a Secret (created out of band, or by sealed-secrets / external "
        "secrets) and reference it:\n\n"
        "```yaml\nenv:\n  - name: STRIPE_API_KEY\n    valueFrom:\n      secretKeyRef:\n"
        "        name: billing\n        key: stripe-api-key\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/configuration/secret/"
        "#using-secrets-as-environment-variables",
    )
    examples = (
        Example(
            bad={"k8s/billing.yaml": BAD},
            good={"k8s/billing.yaml": GOOD},
            description="a live API key written into the Deployment",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        reported: set[tuple[str, int]] = set()
        for w in stack.k8s:
            if w.workload is None:
                continue
            for c in w.workload.pod.init_containers + w.workload.pod.containers:
                for env in c.env:
                    key = (env.location.file, env.location.line)
                    if key in reported or not literal_secret(env):
                        continue
                    reported.add(key)
                    real = key_material(env.value or "")
                    what = "a literal key" if real else "a literal (weak or demo) credential"
                    yield self.finding(
                        env.location,
                        f"{w.kind} '{w.name}' container '{c.name}': {env.name} is set to "
                        f"{what} (value redacted, {len((env.value or '').strip())} "
                        f"characters); use valueFrom.secretKeyRef",
                        severity=None if real else Severity.INFO,
                        subject=f"{w.ref}:{c.name}:{env.name}",
                        detail=SecretEnv(*k8s_id(w), c.name, env.name),
                    )
