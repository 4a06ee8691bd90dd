"""``jobtrail demo``: run jobtrail end to end on this machine, or ``--reset`` to delete what it left."""

from __future__ import annotations

import argparse

from jobtrail_cli.errors import EXIT_OK, UserError
from jobtrail_cli.output import print_json, program_name
from jobtrail_cli.wiring import Wiring


def demo(args: argparse.Namespace, wiring: Wiring) -> int:
    """Replay the scripted lifecycles through the real handlers on DynamoDB Local (``jobtrail_local.demo``)
    and show what jobtrail recorded, with the commands to query it; needs no AWS account, so no ``wiring``."""
    from jobtrail_local import demo as local_demo  # noqa: PLC0415 - keep `--help` fast
    from jobtrail_local import local_stack  # noqa: PLC0415

    directory = local_stack.home()
    if args.reset:
        try:
            removed = local_stack.reset(directory)
        except RuntimeError as error:
            raise UserError(str(error)) from None
        print(f"{'Deleted' if removed else 'Nothing to delete in'} {directory}")
        return EXIT_OK
    from jobtrail_cli import render  # noqa: PLC0415

    try:
        if args.json:
            result = local_demo.run(directory)
        else:
            with render.replay_progress() as advance:
                result = local_demo.run(directory, progress=advance)
    except local_demo.DemoError as error:
        raise UserError(str(error)) from None
    except ModuleNotFoundError as error:
        raise UserError(
            f"jobtrail demo needs {error.name}: pip install 'jobtrail[demo]' (make install does)"
        ) from None
    program = program_name()
    if args.json:
        print_json(local_demo.summary_document(result, directory, program))
    else:
        render.demo_report(result, directory, local_demo.query_commands(result.spot_job, program), program)
    return EXIT_OK
