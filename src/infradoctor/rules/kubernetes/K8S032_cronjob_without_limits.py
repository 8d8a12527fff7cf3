"""K8S032: a CronJob that may pile up runs or start them arbitrarily late."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infradoctor.findings import Finding, Severity, subject_dict
from infradoctor.model.stack import Stack
from infradoctor.records import record
from infradoctor.rules.base import Example, Rule
from infradoctor.rules.kubernetes._k8s import k8s_id
from infradoctor.subjects import K8sSubject

CRON = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "*/15 * * * *"
{settings}  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: ghcr.io/acme/report:1.2.0
"""
SETTINGS = "  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 300\n"


@record(frozen=True)
class MissingLimits(K8sSubject):
    """The CronJob settings left unwritten."""

    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**subject_dict(self), "missing": list(self.missing)}


class CronJobWithoutLimits(Rule):
    code = "K8S032"
    name = "cronjob-without-limits"
    title = "CronJob without concurrencyPolicy or startingDeadlineSeconds"
    severity = Severity.INFO
    category = "kubernetes"
    why = (
        "The default `concurrencyPolicy: Allow` starts the next run while the previous "
        "one is still going: a job that slows down (a bigger table, a slow API) piles up "
        "copies that compete for the same rows and resources. Without "
        "`startingDeadlineSeconds`, a controller that missed schedules (an outage, a "
        "suspended CronJob) counts the misses and, past 100, stops scheduling the CronJob "
        "with `Cannot determine if job needs to be started`."
    )
    how_to_fix = (
        "Say what a late or overlapping run should do:\n\n"
        "```yaml\nconcurrencyPolicy: Forbid\nstartingDeadlineSeconds: 300\n```"
    )
    references = (
        "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#cron-job-limitations",
    )
    examples = (
        Example(
            bad={"k8s/report.yaml": CRON.format(settings="")},
            good={"k8s/report.yaml": CRON.format(settings=SETTINGS)},
            description="a 15-minute CronJob with the defaults",
        ),
    )

    def check(self, stack: Stack) -> Iterator[Finding]:
        for w in stack.k8s:
            if w.kind != "CronJob" or w.workload is None or w.partial:
                continue
            missing = [
                key
                for key in ("concurrencyPolicy", "startingDeadlineSeconds")
                if key not in w.workload.job_settings
            ]
            if not missing:
                continue
            yield self.finding(
                w.name_location or w.location,
                f"CronJob '{w.name}' sets no {' and no '.join(missing)}: runs may overlap "
                f"or be skipped after missed schedules",
                subject=w.ref,
                detail=MissingLimits(*k8s_id(w), tuple(missing)),
            )
