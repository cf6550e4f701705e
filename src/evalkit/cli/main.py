"""The ``evalkit`` command (DESIGN.md §4): thin wrappers that print what the packages return."""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from ..core.errors import EvalkitError, InputError, ParameterError, RunError
from . import period_commands, record_commands, run_commands
from .parser import parser
from .period_commands import print_problems

COMMANDS = {**period_commands.COMMANDS, **run_commands.COMMANDS, **record_commands.COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(format="evalkit: warning: %(message)s", level=logging.WARNING)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # the output was piped into a program that stopped reading (head, less)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except InputError as exc:
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
