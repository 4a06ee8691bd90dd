"""``jobtrail demo``: run jobtrail end to end on this machine; ``--stop`` ends the DynamoDB Local it leaves
running, ``--reset`` also deletes what it left.

Exit statuses: 0 when everything ran, ``EXIT_SLACK_NOT_POSTED`` (4) when the demo ran and recorded its
history but the Slack webhook (``SLACK_WEBHOOK_URL``) did not take the alerts, with a one-line warning on
stderr; the CLI's usual statuses otherwise (3 when the demo cannot run here).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_OK, EXIT_SLACK_NOT_POSTED, UserError
from jobtrail_cli.output import print_json, program_name
from jobtrail_cli.wiring import Wiring

if TYPE_CHECKING:
    from jobtrail_local.local_stack import LocalHome


def demo(args: argparse.Namespace, wiring: Wiring) -> int:
    """Replay the scripted lifecycles through the real handlers on DynamoDB Local (``jobtrail_local.demo``)
    and show what jobtrail recorded, with the commands to query it; needs no AWS account, so no ``wiring``."""
    from jobtrail_local import demo as local_demo  # noqa: PLC0415 - keep `--help` fast
    from jobtrail_local import local_stack  # noqa: PLC0415

    home = local_stack.where()
    if args.stop or args.reset:
        return _stop_or_reset(home, reset=args.reset)
    from jobtrail_cli import render  # noqa: PLC0415

    try:
        if args.json:
            result = local_demo.run(home.path, accounts=args.accounts)
        else:
            # soft_wrap: a path (or a command) is never broken by rich; the terminal wraps it if it must.
            render.console.print(f"Local data: {home.path} [dim]({home.why})[/dim]", soft_wrap=True)
            with render.replay_progress() as progress:
                result = local_demo.run(home.path, accounts=args.accounts, progress=progress)
    except local_demo.DemoError as error:
        raise UserError(str(error)) from None
    except ModuleNotFoundError as error:
        raise UserError(
            f"jobtrail demo needs {error.name}: pip install 'jobtrail[demo]' (make install does)"
        ) from None
    program = program_name()
    if args.json:
        print_json(local_demo.summary_document(result, home.path, program, data_dir_why=home.why))
    else:
        render.demo_report(result, home.path, local_demo.query_suggestions(program, result.featured), program)
    if result.slack_failure is not None:
        print(
            f"jobtrail: warning: Slack got {result.slack_posted} of {len(result.slack_payloads)} alerts: "
            f"{result.slack_failure} (check SLACK_WEBHOOK_URL, or unset it to use the local fake of Slack)",
            file=sys.stderr,
        )
        return EXIT_SLACK_NOT_POSTED
    return EXIT_OK


def _stop_or_reset(home: LocalHome, *, reset: bool) -> int:
    """``--stop``: end the DynamoDB Local the demo left running; ``--reset``: that, then delete the data."""
    from jobtrail_local import local_stack  # noqa: PLC0415

    directory = home.path
    print(f"Local data: {directory} ({home.why})")
    try:
        stopped = local_stack.stop(directory)
        if stopped is not None:
            print(f"Stopped DynamoDB Local (pid {stopped.pid}, {stopped.endpoint_url})")
        elif not reset:
            print("No DynamoDB Local was running on it")
        if reset:
            removed = local_stack.reset(directory)
            print(f"Deleted {directory}" if removed else f"Nothing to delete in {directory}")
    except RuntimeError as error:
        raise UserError(str(error)) from None
    return EXIT_OK
