"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the packages return."""
from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from ..core.errors import EvalkitError, InputError, ParameterError, RunError
from .parser import parser

MODULES = {"period_commands": ("applicability", "demo-data", "framework", "rectification", "score", "templates", "validate"),
           "run_commands": ("audit", "diff", "history", "ledger", "run", "site"),
           "record_commands": ("bundle", "keys", "prune", "publish", "verify")}
"""Which module holds each command (its ``COMMANDS``): only the module of the command given is imported, so that
``evalkit verify`` or ``--help`` does not load the notebooks' and the PDFs' libraries."""


def command(name: str) -> Callable[..., int]:
    """The function of command ``name``, its module imported now."""
    module = next(m for m, names in MODULES.items() if name in names)
    return importlib.import_module(f".{module}", __package__).COMMANDS[name]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(format="evalkit: warning: %(message)s", level=logging.WARNING)
    try:
        return command(args.command)(args)
    except BrokenPipeError:  # the output was piped into a program that stopped reading (head, less)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except InputError as exc:
        from .period_commands import print_problems

        print_problems(exc.problems)
        print(f"evalkit {args.command}: {len(exc.problems)} input problem(s)", file=sys.stderr)
        return 1
    except RunError as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 1
    except (EvalkitError, ParameterError) as exc:
        print(f"evalkit {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
