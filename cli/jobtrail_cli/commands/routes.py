"""``jobtrail routes test`` and ``routes check``: which team a job's alerts go to and why, and whether a
routes document is valid, before or after it is deployed.

The document comes from ``--routes FILE`` (one being written), ``--parameter NAME`` (an SSM parameter), or
the ``--stack`` stack's ``AlertRoutesParameterName``. ``test`` routes the job as the functions would: by
the tags stored with it (a job whose tags were not read yet is routed without them, as its alerts would be
if ListTags kept failing; ``--read-tags`` reads them from SageMaker, as the job's next sync will) and by its
name, kind and account. An invalid document is refused in one line (exit 2) that names the bad rule.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NamedTuple

from jobtrail_cli.commands.queries import find_job
from jobtrail_cli.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UserError
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring, aws_call

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jobtrail.core.routing import Routes

#: The stack parameter that names the deployed routes document.
ROUTES_PARAMETER = "AlertRoutesParameterName"


class _Document(NamedTuple):
    """A routes document (``None``: the stack has none) and where it came from, in words."""

    routes: Routes | None
    source: str


def test(args: argparse.Namespace, wiring: Wiring) -> int:
    """``routes test NAME``: the route the job's alerts take, why, its team and destinations."""
    from jobtrail.core.routing import kept_tags, route_for  # noqa: PLC0415 - keep `--help` fast
    from jobtrail.core.views import job_ref_view  # noqa: PLC0415

    document = routes_document(args, wiring, f"routes {args.routes_command}")
    record = find_job(args, wiring)
    summary = record.summary
    tags: Mapping[str, str] | None = summary.tags
    tags_from = "table" if tags is not None else None
    if tags is None and args.read_tags:
        from jobtrail.adapters.sagemaker import SageMakerJobs  # noqa: PLC0415

        jobs = SageMakerJobs(wiring.sagemaker())
        tags, tags_from = kept_tags(aws_call(lambda: jobs.tags(summary))), "sagemaker"
    choice = route_for(document.routes, record.key, tags)
    if args.json:
        print_json(
            {
                "job": job_ref_view(record.key),
                "tags": dict(sorted(tags.items())) if tags is not None else None,
                "tags_from": tags_from,
                "routes": document.source,
                "rule": choice.rule,
                **choice.view(),
            }
        )
        return EXIT_OK
    from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing

    render.route_details(record.key, tags, tags_from, choice, source=document.source, where=wiring.where())
    return EXIT_OK


def check(args: argparse.Namespace, wiring: Wiring) -> int:
    """``routes check [FILE]``: the document is valid (exit 0, the teams of its rules and its default), or
    one line saying what is wrong and in which rule (exit 2)."""
    if args.routes and args.parameter:
        raise UserError("pass FILE or --parameter, not both", EXIT_USAGE)
    document = routes_document(args, wiring, f"routes {args.routes_command}")
    routes = document.routes
    teams = [] if routes is None else [rule.team for rule in routes.rules]
    default = None if routes is None else routes.default
    if args.json:
        print_json(
            {
                "valid": True,
                "routes": document.source,
                "rules": teams,
                "default": None if default is None else default.team,
            }
        )
    elif routes is None:
        print(f"{document.source}: every alert takes the default route, without a team")
    else:
        rules = f"{len(teams)} rule{'' if len(teams) == 1 else 's'}" + (
            f" ({', '.join(teams)})" if teams else ""
        )
        fallback = "no default: the stack's own Slack destination, without a team"
        if default is not None:
            fallback = f"default team {default.team}" if default.team else "a default without a team"
        print(f"{document.source}: valid, {rules}; {fallback}")
    return EXIT_OK


def routes_document(args: argparse.Namespace, wiring: Wiring, command: str) -> _Document:
    """The routes document ``--routes``, ``--parameter`` or the ``--stack`` stack names; one line and a
    non-zero exit when there is none, it cannot be read (3) or it is invalid (2). ``command``: the
    command that wants it (``routes test``), as the refusal of ``--local`` names it."""
    from jobtrail.core.routing import RoutesError, RoutesUnreadable, parse_routes  # noqa: PLC0415

    if args.routes:
        source = f"routes document {args.routes}"
        text = read_document(args.routes, "routes document")
        try:
            return _Document(parse_routes(text), source)
        except RoutesError as error:
            raise UserError(f"{source}: {error}", EXIT_USAGE) from None
    wiring.refuse_local(f"{command} without --routes", "the demo has no SSM parameter: pass --routes FILE")
    name = args.parameter
    source = f"SSM parameter {name}" if name else ""
    if not name:
        name = wiring.jobtrail_stack_parameter(
            ROUTES_PARAMETER, "which routes document? pass --routes FILE or --parameter NAME"
        )
        source = f"stack {wiring.stack_name()}'s {ROUTES_PARAMETER} {name}" if name else ""
        if not name:
            return _Document(None, f"stack {wiring.stack_name()} has no routes document ({ROUTES_PARAMETER})")
    try:
        return _Document(wiring.alert_routes(name).load(), source)
    except RoutesUnreadable as error:
        raise UserError(_unreadable(error, name), EXIT_FAILURE) from None
    except RoutesError as error:
        raise UserError(
            f"{source}: {error} (until it is fixed, every alert takes the default route)", EXIT_USAGE
        ) from None


def _unreadable(error: Exception, name: str) -> str:
    text = " ".join(str(error).split())
    if "ParameterNotFound" in text:
        return f"SSM parameter {name} does not exist (are the name and the region right?)"
    return text


def read_document(path: str, what: str) -> str:
    """The text of the file at ``path`` (``-``: stdin); one line naming ``what`` if it cannot be read."""
    import sys  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise UserError(f"cannot read {what} {path}: {reason}", EXIT_USAGE) from None
