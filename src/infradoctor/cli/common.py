"""What every subcommand shares with the entry point: the usage error and the check of a
PATH argument. Kept apart from cli/main so subcommands never import the entry point."""

from __future__ import annotations

# Set by cli.main.entry (the console script, `python -m infradoctor`): "process" when this
# interpreter runs one command and exits; a command sets "fast_exit" when nothing it
# leaves needs tearing down (entry then skips freeing the heap object by object).
ONE_SHOT = {"process": False, "fast_exit": False}


class UsageError(Exception):
    """Bad arguments or configuration: exit code 2 with a one-line message."""


def path_problem(arg: str) -> str | None:
    """Why a PATH given on the command line cannot be scanned at all (None if it can be
    looked at; what is inside it is the loaders' business). Never raises."""
    import errno
    import os

    try:
        os.stat(arg)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"{arg}: no such file or directory"
        return f"{arg}: cannot access: {exc.strerror or exc}"
    except ValueError:
        return f"{arg}: invalid path"
    return None
