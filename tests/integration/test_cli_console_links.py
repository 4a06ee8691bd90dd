"""The CLI makes alerts' links as the deployed functions do: from the ``--stack`` stack's ConsolePortalUrl
and ConsoleRoleName (moto's CloudFormation), so an alert a backfill writes to the outbox is published with
the same links as the functions' own."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
from jobtrail.core.alerts import ConsoleLinks
from jobtrail_cli.errors import UserError
from jobtrail_cli.parser import build_parser
from jobtrail_cli.wiring import Wiring
from moto_stacks import create_stack_with_parameters

STACK = "jobtrail-links"
PORTAL = "https://d-9067c2a1b3.awsapps.com/start"


def wiring(*options: str) -> Wiring:
    return Wiring(build_parser().parse_args([*options, "jobs"]), ExitStack())


def test_the_stacks_portal_and_role_make_the_links(moto_table: Any) -> None:
    create_stack_with_parameters(
        moto_table.name, STACK, ConsolePortalUrl=PORTAL, ConsoleRoleName="ReadOnlyAccess"
    )

    assert wiring("--stack", STACK).console_links() == ConsoleLinks(PORTAL, "ReadOnlyAccess")


@pytest.mark.parametrize(
    "parameters",
    [{"ConsolePortalUrl": ""}, {}],
    ids=["no-portal", "deployed-before-the-parameters"],
)
def test_a_stack_without_a_portal_keeps_the_consoles_links(
    moto_table: Any, parameters: dict[str, str]
) -> None:
    create_stack_with_parameters(moto_table.name, STACK, **parameters)

    assert wiring("--stack", STACK).console_links() is None


def test_without_a_stack_the_links_are_the_consoles(moto_table: Any) -> None:
    assert wiring("--table", moto_table.name).console_links() is None


def test_a_stack_with_a_malformed_portal_is_one_line_naming_it(moto_table: Any) -> None:
    create_stack_with_parameters(moto_table.name, STACK, ConsolePortalUrl="https://example.com/start")

    with pytest.raises(UserError) as refused:
        wiring("--stack", STACK).console_links()

    assert str(refused.value) == (
        f"stack {STACK!r}: ConsolePortalUrl: 'https://example.com/start' is not an AWS access portal URL "
        "(https://<id>.awsapps.com/start)"
    )
