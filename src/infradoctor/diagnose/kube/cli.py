"""The Kubernetes half of `infradoctor diagnose` / `infradoctor bundle` (wired from
cli/diagnose.py by `--kube` or a `--from` that is a Kubernetes recording)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_CANNOT_RUN = 2


def wants_kube(args: argparse.Namespace) -> bool:
    if getattr(args, "kube", False):
        return True
    source = getattr(args, "from_bundle", None)
    if not source:
        return False
    from infradoctor.diagnose.kube.layout import looks_like_kube_source

    return looks_like_kube_source(Path(source))


def _options(args: argparse.Namespace) -> object:
    from infradoctor.diagnose.kube.collect import KubeOptions

    return KubeOptions(
        context=getattr(args, "context", None),
        namespace=getattr(args, "namespace", None),
        timeout=float(getattr(args, "timeout", 10.0) or 10.0),
        since_seconds=getattr(args, "since", None),
    )


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def run_kube_diagnose(args: argparse.Namespace) -> int:
    from infradoctor.diagnose.evidence import BundleError
    from infradoctor.diagnose.kube.collect import KubeOptions, collect_kube
    from infradoctor.diagnose.kube.engine import analyze_kube
    from infradoctor.diagnose.kube.layout import load_source
    from infradoctor.diagnose.kube.redact import redact_kube_bundle
    from infradoctor.diagnose.report import render

    if args.from_bundle:
        try:
            bundle = load_source(Path(args.from_bundle))
        except BundleError as exc:
            print(f"infradoctor: error: {exc}", file=sys.stderr)
            return EXIT_CANNOT_RUN
    else:
        opts = _options(args)
        assert isinstance(opts, KubeOptions)
        bundle = collect_kube(opts)
    redact_kube_bundle(bundle)  # idempotent; a foreign recording is redacted too
    result = analyze_kube(bundle)
    color = args.format == "text" and not args.output and not args.no_color and sys.stdout.isatty()
    _write(render(result, args.format, color=color), args.output)
    return result.exit_code


def run_kube_bundle(args: argparse.Namespace) -> int:
    from infradoctor.diagnose.kube.collect import KubeOptions, collect_kube

    opts = _options(args)
    assert isinstance(opts, KubeOptions)
    bundle = collect_kube(opts)
    target = Path(args.output)
    try:
        bundle.save(target)
    except OSError as exc:
        print(f"infradoctor: error: cannot write {target}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    failed = [c for c in bundle.collectors if c.status == "error"]
    print(
        f"wrote {target}: {len(bundle.files)} files, "
        f"{len(bundle.collectors) - len(failed)}/{len(bundle.collectors)} collectors ok"
        + (f" (failed: {', '.join(f'{c.name}: {c.error}' for c in failed)})" if failed else ""),
        file=sys.stderr,
    )
    if not bundle.has("kube/pods.json"):
        return EXIT_CANNOT_RUN
    return 0
