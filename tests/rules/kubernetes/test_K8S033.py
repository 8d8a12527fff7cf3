"""K8S033 job-without-backoff-limit: Jobs and CronJobs' job templates."""

from __future__ import annotations

from pathlib import Path

from tests.rules.kubernetes._new_rules_helpers import run

CONTAINERS = (
    "          containers:\n            - name: j\n              image: ghcr.io/acme/j:1.0.0\n"
)


def job(settings: str) -> str:
    return (
        f"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n{settings}"
        "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "        - name: j\n          image: ghcr.io/acme/j:1.0.0\n"
    )


def cron(job_settings: str) -> str:
    return (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n"
        f"  schedule: '0 3 * * *'\n  backoffLimit: 2\n  jobTemplate:\n    spec:\n"
        f"{job_settings}      template:\n        spec:\n{CONTAINERS}"
    )


def test_job_without_and_with_backoff_limit(tmp_path: Path) -> None:
    files = {"a/job.yaml": job(""), "b/job.yaml": job("  backoffLimit: 0\n")}
    found = run(tmp_path, "K8S033", files)
    assert [(f.location.file, f.location.line) for f in found] == [("a/job.yaml", 4)]


def test_cronjob_backoff_limit_counts_only_in_the_job_template(tmp_path: Path) -> None:
    files = {"a/cron.yaml": cron(""), "b/cron.yaml": cron("      backoffLimit: 1\n")}
    found = run(tmp_path, "K8S033", files)
    assert [f.location.file for f in found] == ["a/cron.yaml"]
