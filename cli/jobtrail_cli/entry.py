"""The ``jobtrail`` entry point: parse the arguments, run the command, turn failures into exit statuses.

User errors (bad arguments, unknown job, missing table, no credentials, unreachable endpoint) end with
a one-line message on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack

from jobtrail_cli.commands.completion import complete
from jobtrail_cli.errors import EXIT_INTERRUPTED, EXIT_SIGPIPE, EXIT_USAGE, UserError
from jobtrail_cli.parser import Command, attach_minus_durations, build_parser, route_alerts_test
from jobtrail_cli.timezone import show_times_in
from jobtrail_cli.wiring import Wiring, shell_asks_for_completions


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    if shell_asks_for_completions():
        complete(parser)  # answers the shell, then exits
    words = attach_minus_durations(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(route_alerts_test(words, parser))
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        command: Command = args.run
        with ExitStack() as cleanup:
            wiring = Wiring(args, cleanup)
            show_times_in(wiring.display_zone())
            return command(args, wiring)
    except UserError as error:
        print(f"jobtrail: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("jobtrail: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader stopped reading (`jobtrail jobs --json | head`): quiet, like any Unix tool. Python
        # flushes stdout again at exit, so point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_SIGPIPE
