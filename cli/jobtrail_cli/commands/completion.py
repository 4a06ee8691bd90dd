"""Shell completion through argcomplete: ``jobtrail completion bash|zsh|fish`` prints the script to source;
the shell then runs ``jobtrail`` with argcomplete's variables set, and ``complete`` answers from the parser
(subcommands, options) and, for a ``JOB`` argument, from one bounded Query of the most recent jobs.

Nothing here imports boto3, PynamoDB or rich unless a job name is being completed, so completing a
subcommand or an option costs no more than ``--help``.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from jobtrail_cli.errors import EXIT_OK, UserError
from jobtrail_cli.wiring import Wiring

#: The shells ``jobtrail completion`` writes a script for.
SHELLS = ("bash", "zsh", "fish")


def completion(args: argparse.Namespace, wiring: Wiring) -> int:
    """``jobtrail completion SHELL``: the script that makes SHELL complete ``jobtrail`` commands."""
    from argcomplete.shell_integration import shellcode  # noqa: PLC0415

    print(shellcode(["jobtrail"], shell=args.shell), end="")
    return EXIT_OK


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request (its words are in argcomplete's variables) and exit."""
    import argcomplete  # noqa: PLC0415 - only when a shell asks

    # `alerts test` is one command word for argparse only: the shell offers `test` after `alerts`.
    argcomplete.autocomplete(parser, exclude=["alerts test"])


def job_names(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """The names of the most recent jobs (``queries.RECENT_JOBS``, one Query per kind on the creation-time
    index; of the ``--kind`` typed so far, if any) that start with ``prefix``, each once (jobs of several
    kinds may share a name; a pipeline execution's is ``PIPELINE/EXECUTION-ID``), read from the table the
    words typed so far name (``--table``, ``--local``…); none when that table cannot be read (no table, no
    credentials): a completion prints no error."""
    from jobtrail.adapters.history_queries import JobQuery  # noqa: PLC0415 - only for a JOB argument

    from jobtrail_cli.commands.queries import RECENT_JOBS  # noqa: PLC0415

    where = argparse.Namespace(
        table=None, stack=None, region=None, profile=None, endpoint_url=None, local=False, kind=None
    )
    where.__dict__.update(vars(parsed_args))
    try:
        with ExitStack() as cleanup:
            wiring = Wiring(where, cleanup)
            store = wiring.queries()
            summaries = wiring.read(lambda: store.list_jobs(JobQuery(kind=where.kind, limit=RECENT_JOBS)))
    except UserError:
        return []  # nothing to offer; the command itself will say why when it runs
    return list(dict.fromkeys(s.job_name for s in summaries if s.job_name.startswith(prefix)))


def kind_names(prefix: str, **_: object) -> list[str]:
    """The job kinds (``--kind``) that start with ``prefix``."""
    from jobtrail.core.kinds import KINDS  # noqa: PLC0415

    return [kind for kind in KINDS if kind.startswith(prefix.lower())]
