"""The `pvequorum` command: a thin edge over the library.

Each subcommand lives in its own module with a `register(subparsers)` function, so that
one module per job stays small and the core never imports the CLI.  Bad input of any
kind ends as one line on stderr and exit code 2 (`InputError`), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence

from pvequorum.errors import ExitStatus, InputError, PrerequisiteError

# Modules under pvequorum.cli that each register one or more subcommands.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "simulate",
    "analyze",
    "config",
    "lab",
    "plan",
    "runbook",
    "dashboard",
    "collect",
    "diagnose",
)

EXIT_USAGE = ExitStatus.BAD_INPUT


def one_line(text: str) -> str:
    """An error as one line: control characters from file names or values shown escaped."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group(0))[1:-1], text)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pvequorum",
        description="Learn and safely operate Proxmox VE cluster quorum.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        # Every subcommand module is part of the package and imports only the core at the
        # top; a face whose extra is missing says so when it runs.
        importlib.import_module(f"pvequorum.cli.{name}").register(sub)
    return parser


def _joined_since(argv: Sequence[str]) -> list[str]:
    """`--since -6h` as `--since=-6h`: argparse takes a word that starts with `-` for an
    option, and the journal's relative windows all do."""
    words = list(argv)
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--since" and index + 1 < len(words) and words[index + 1].startswith("-"):
            out.append(f"--since={words[index + 1]}")
            index += 2
            continue
        out.append(word)
        index += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_joined_since(sys.argv[1:] if argv is None else argv))
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        print("pvequorum: cannot write the output: stdout is closed", file=sys.stderr)
        return EXIT_USAGE
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk or closed pipe shows here, not at interpreter exit
        return status
    except (InputError, PrerequisiteError) as exc:
        print(f"pvequorum: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pvequorum: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`| head`): not an error; keep Python from complaining at exit
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as exc:  # writing the output failed: /dev/full, a vanished disk
        print(f"pvequorum: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
