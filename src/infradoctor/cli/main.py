"""Entry point: argument wiring, dispatch and the one error boundary.

Each subcommand lives in its own module (`infradoctor.cli.<name>`) exposing
`register(subparsers)`; those modules import nothing heavy at top level so that
startup stays fast. `--version` answers before any of them is imported."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from infradoctor.cli.common import ONE_SHOT, UsageError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


# Each subcommand's module, in help order; _MODULE_OF names the module that registers a
# command (`rules` also registers `explain`, `diagnose` also `bundle`).
_MODULES = ("lint", "fix", "rules", "diagnose", "inventory", "scaffold", "wait", "smoke", "docs")
_MODULE_OF = {name: name for name in _MODULES} | {"explain": "rules", "bundle": "diagnose"}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole CLI's parser; given a command line naming a subcommand, only that
    subcommand is registered, so a `lint` process imports no other command's module
    (help and errors about the command itself come from the whole parser)."""
    from infradoctor import __version__

    parser = argparse.ArgumentParser(
        prog="infradoctor",
        description="Lint, fix and diagnose nginx-fronted Docker Compose stacks.",
    )
    parser.add_argument("--version", action="version", version=f"infradoctor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _MODULE_OF.get(argv[0]) if argv else None
    for name in (wanted,) if wanted else (*_MODULES, "completion"):
        importlib.import_module(f"infradoctor.cli.{name}").register(sub)
    parser.set_defaults(root_parser=parser)  # `completion` describes the whole CLI
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list in (["--version"], ["-V"]):
        from infradoctor import __version__

        print(f"infradoctor {__version__}")
        return EXIT_OK
    try:
        parser = build_parser(args_list)
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_ERROR
        return int(args.func(args))
    except SystemExit as exc:  # argparse errors/--help
        code = exc.code
        return code if isinstance(code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        print("infradoctor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the error boundary
        from infradoctor.config import ConfigError
        from infradoctor.redact import redact_text

        if isinstance(exc, UsageError | ConfigError):
            print(f"infradoctor: error: {redact_text(str(exc))}", file=sys.stderr)
            return EXIT_ERROR
        import tempfile
        import traceback

        fd, path = tempfile.mkstemp(prefix="infradoctor-crash-", suffix=".log")
        with os.fdopen(fd, "w") as fh:  # the log is meant to be attached to a bug report
            fh.write(redact_text(traceback.format_exc()))
        print(
            f"infradoctor: internal error: {type(exc).__name__}: {redact_text(str(exc))}\n"
            f"  (details in {path}; please report it)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def entry() -> NoReturn:
    """The console script and `python -m infradoctor`: `main()` in a process that ends
    with it. After a command that set ONE_SHOT["fast_exit"], the process leaves with
    os._exit once the output is flushed: freeing a linted stack object by object at
    interpreter exit costs a sixth of a corpus lint and writes nothing."""
    import threading

    ONE_SHOT["process"] = True
    code = main()
    if ONE_SHOT["fast_exit"] and threading.active_count() == 1:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: the ordinary exit reports it
            raise SystemExit(code) from None
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    entry()
