"""K8S033: a Job that retries a failing pod six times by default."""

from __future__ import annotations

from collections.abc import Iterator

from infradoctor.findings import Finding, Severity
from infradoctor.model.stack import Stack
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
{settings}  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/acme/api:2.0.0
          command: ["./manage", "migrate"]
"""


class JobWithoutBackoffLimit(Rule):
    code = "K8S033"
    name = "job-without-backoff-limit"
    title = "Job without backoffLimit"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "Without `backoffLimit` a failing Job is retried 6 times with exponential "
        "back-off (up to about 6 minutes between tries). A migration or a one-off data "
        "fix that is not idempotent then runs up to 7 times, and a deploy pipeline that "
        "waits for the Job hangs for many minutes before it sees the failure."
    )
    how_to_fix = (
        "State the retries the job can afford (0 for non-idempotent work), and bound its "
        "run time:\n\n```yaml\nbackoffLimit: 1\nactiveDeadlineSeconds: 600\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy",
    )
    examples = (
        Example(
            bad={"k8s/migrate.yaml": JOB.format(settings="")},
            good={"k8s/migrate.yaml": JOB.format(settings="  backoffLimit: 0\n")},
            description="a migration Job with the default six retries",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.kind not in ("Job", "CronJob") or w.workload is None or w.partial:
                continue
            if "backoffLimit" in w.workload.job_settings:
                continue
            yield self.finding(
                w.name_location or w.location,
                f"{w.kind} '{w.name}' sets no backoffLimit: a failing pod is retried 6 "
                f"times (up to 7 runs of the same work)",
                subject=w.ref,
                detail=K8sSubject(*k8s_id(w)),
            )
