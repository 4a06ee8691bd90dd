"""The central stack in organization mode (``OrganizationId`` / ``MemberAccountIds``), as deployed: the bus
and who may put events on it, the rule that queues them, and what the functions may assume and list.

The conditions come from the template itself (``_conditions``) for each parameter set, so a scenario here
is what CloudFormation would evaluate."""

from __future__ import annotations

from typing import Any

import pytest
from jobtrail.core.alerts import (
    CONSOLE_PORTAL_URL_VARIABLE,
    CONSOLE_ROLE_NAME_VARIABLE,
    PERMISSION_SET_NAME,
    PORTAL_URL,
)
from jobtrail.core.organization import ENVIRONMENT
from test_template import (
    TEMPLATE,
    _as_list,
    _deployed,
    _resolve,
    _rules_hold,
    _walk,
    deployed_statements,
    evaluated,
)

ORGANIZATION = {"OrganizationId": "o-abc123defg", "MemberRegions": "us-east-1,eu-west-1"}
LISTED = {"MemberAccountIds": "222233334444,333344445555", "MemberRegions": "eu-west-1"}
BOTH = ORGANIZATION | LISTED
ORGANIZATION_CONDITIONS = (
    "HasOrganizationId",
    "HasMemberAccountIds",
    "OrganizationMode",
    "ListsOrganizationAccounts",
)


def scenario(parameters: dict[str, str]) -> dict[str, bool]:
    """Every optional feature of ``WITHOUT_KEY``, with the organization conditions for ``parameters``."""
    return evaluated(parameters, ORGANIZATION_CONDITIONS)


SCENARIOS = [
    pytest.param(ORGANIZATION, id="whole-organization"),
    pytest.param(LISTED, id="listed-accounts"),
    pytest.param(BOTH, id="organization-and-list"),
]


def test_organization_mode_is_off_by_default() -> None:
    off = scenario({})

    assert not any(off[name] for name in ORGANIZATION_CONDITIONS)
    assert not _deployed(TEMPLATE["Resources"], "AWS::Events::EventBus", off)
    assert not _deployed(TEMPLATE["Resources"], "AWS::Events::EventBusPolicy", off)
    for function in ("IngestFunction", "ReconcileFunction"):
        actions = {
            a
            for s in deployed_statements(TEMPLATE["Resources"][function], off)
            for a in _as_list(s["Action"])
        }
        assert "sts:AssumeRole" not in actions
        assert "organizations:ListAccounts" not in actions


@pytest.mark.parametrize("parameters", SCENARIOS)
def test_the_bus_admits_the_organization_or_the_listed_accounts_only(parameters: dict[str, str]) -> None:
    deployed = scenario(parameters)
    policies = _deployed(TEMPLATE["Resources"], "AWS::Events::EventBusPolicy", deployed)

    (policy,) = policies.values()
    statement = policy["Properties"]["Statement"]
    assert policy["Properties"]["EventBusName"] == {"Ref": "OrganizationEventBus"}
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == {"Fn::GetAtt": ["OrganizationEventBus", "Arn"]}
    if "MemberAccountIds" in parameters:
        assert statement["Principal"] == {"AWS": {"Fn::Split": [",", {"Ref": "MemberAccountIds"}]}}
        assert "Condition" not in statement
    else:
        assert statement["Principal"] == "*"
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}}


def test_no_wildcard_principal_without_an_organization_condition() -> None:
    for resource, body in TEMPLATE["Resources"].items():
        for key, value in _walk(body):
            if key != "Statement":
                continue
            for statement in _as_list(value):
                if not isinstance(statement, dict) or statement.get("Principal") not in ("*", {"AWS": "*"}):
                    continue
                if statement.get("Effect") == "Deny":
                    continue
                assert "aws:PrincipalOrgID" in str(statement.get("Condition")), resource


@pytest.mark.parametrize("parameters", SCENARIOS)
def test_the_organization_rule_queues_what_the_default_bus_rule_does_from_any_member(
    parameters: dict[str, str],
) -> None:
    deployed = scenario(parameters)
    rules = _deployed(TEMPLATE["Resources"], "AWS::Events::Rule", deployed)
    home, members = rules["StateChangeRule"]["Properties"], rules["OrganizationStateChangeRule"]["Properties"]

    assert members["EventBusName"] == {"Ref": "OrganizationEventBus"}
    assert members["EventPattern"]["detail-type"] == home["EventPattern"]["detail-type"]
    assert members["EventPattern"]["source"] == ["aws.sagemaker"]
    # No account or region filter: ingest rejects (and keeps) what the stack does not keep; a filter
    # would drop it silently
    assert set(members["EventPattern"]) == {"source", "detail-type"}
    assert members["Targets"] == home["Targets"]
    queue_policy = _resolve(TEMPLATE["Resources"]["StateChangeQueuePolicy"], deployed)
    allow = queue_policy["Properties"]["PolicyDocument"]["Statement"][0]
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        {"Fn::GetAtt": ["StateChangeRule", "Arn"]},
        {"Fn::GetAtt": ["OrganizationStateChangeRule", "Arn"]},
    ]


@pytest.mark.parametrize("parameters", SCENARIOS)
@pytest.mark.parametrize("function", ["IngestFunction", "ReconcileFunction"])
def test_the_functions_assume_only_the_member_role_in_member_accounts(
    parameters: dict[str, str], function: str
) -> None:
    deployed = scenario(parameters)
    statements = deployed_statements(TEMPLATE["Resources"][function], deployed)

    (assume,) = [s for s in statements if "sts:AssumeRole" in _as_list(s["Action"])]
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"}
    if "MemberAccountIds" in parameters:
        assert assume["Condition"] == {
            "StringEquals": {"aws:ResourceAccount": {"Fn::Split": [",", {"Ref": "MemberAccountIds"}]}}
        }
    else:
        assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}
    lists = [s for s in statements if "organizations:ListAccounts" in _as_list(s["Action"])]
    assert len(lists) == (1 if parameters is ORGANIZATION else 0)


@pytest.mark.parametrize("function", ["IngestFunction", "ReconcileFunction"])
def test_this_accounts_jobs_are_read_in_every_region_only_in_organization_mode(function: str) -> None:
    def sagemaker_resources(deployed: dict[str, bool]) -> set[str]:
        statements = deployed_statements(TEMPLATE["Resources"][function], deployed)
        resources = [r for s in statements for r in _as_list(s["Resource"]) if isinstance(r, dict)]
        return {r["Fn::Sub"] for r in resources if ":sagemaker:" in str(r) or ":logs:" in str(r)}

    standalone, organization = sagemaker_resources(scenario({})), sagemaker_resources(scenario(LISTED))

    assert standalone
    assert all(":${AWS::Region}:${AWS::AccountId}:" in arn for arn in standalone)
    assert organization == {arn.replace("${AWS::Region}", "*") for arn in standalone}


@pytest.mark.parametrize("function", ["IngestFunction", "ReconcileFunction"])
def test_the_functions_are_told_the_organization_settings(function: str) -> None:
    variables = TEMPLATE["Resources"][function]["Properties"]["Environment"]["Variables"]

    assert {name: variables[name] for name in ENVIRONMENT} == {
        "JOBTRAIL_HOME_ACCOUNT": {"Ref": "AWS::AccountId"},
        "JOBTRAIL_ORGANIZATION_ID": {"Ref": "OrganizationId"},
        "JOBTRAIL_MEMBER_ACCOUNTS": {"Ref": "MemberAccountIds"},
        "JOBTRAIL_MEMBER_REGIONS": {"Ref": "MemberRegions"},
        "JOBTRAIL_MEMBER_ROLE_NAME": {"Ref": "MemberRoleName"},
    }


def test_the_member_template_gets_what_it_needs_from_the_outputs() -> None:
    outputs: dict[str, Any] = TEMPLATE["Outputs"]

    assert outputs["OrganizationEventBusArn"]["Condition"] == "OrganizationMode"
    assert outputs["OrganizationEventBusArn"]["Value"] == {"Fn::GetAtt": ["OrganizationEventBus", "Arn"]}
    assert outputs["FunctionRoleArns"]["Value"] == {
        "Fn::Join": [
            ",",
            [{"Fn::GetAtt": ["IngestFunctionRole", "Arn"]}, {"Fn::GetAtt": ["ReconcileFunctionRole", "Arn"]}],
        ]
    }


@pytest.mark.parametrize(
    ("parameter", "good", "bad"),
    [
        ("OrganizationId", "o-abc123defg", "o-ABC"),
        ("MemberAccountIds", "222233334444,333344445555", "222233334444, 333344445555"),
        ("MemberRegions", "eu-west-1,us-east-2", "Ireland"),
        ("MemberRoleName", "jobtrail-reader", "path/role"),
    ],
)
def test_the_parameters_refuse_malformed_values(parameter: str, good: str, bad: str) -> None:
    import re  # noqa: PLC0415

    pattern = TEMPLATE["Parameters"][parameter]["AllowedPattern"]

    assert re.fullmatch(pattern, good)
    assert re.fullmatch(pattern, "") if parameter != "MemberRoleName" else True
    assert not re.fullmatch(pattern, bad)


def test_ingest_knows_the_queues_last_delivery() -> None:
    variables = TEMPLATE["Resources"]["IngestFunction"]["Properties"]["Environment"]["Variables"]
    redrive = TEMPLATE["Resources"]["StateChangeQueue"]["Properties"]["RedrivePolicy"]

    assert variables["JOBTRAIL_MAX_RECEIVE_COUNT"] == redrive["maxReceiveCount"]


# ---- Links that open the job's account (ConsolePortalUrl, ConsoleRoleName) ------------------------------

PORTAL_VARIABLES = (CONSOLE_PORTAL_URL_VARIABLE, CONSOLE_ROLE_NAME_VARIABLE)
PORTAL = "https://d-9067c2a1b3.awsapps.com/start"


@pytest.mark.parametrize("function", ["IngestFunction", "ReconcileFunction"])
def test_the_functions_that_raise_alerts_are_told_the_access_portal(function: str) -> None:
    variables = TEMPLATE["Resources"][function]["Properties"]["Environment"]["Variables"]

    assert {name: variables[name] for name in PORTAL_VARIABLES} == {
        "JOBTRAIL_CONSOLE_PORTAL_URL": {"Ref": "ConsolePortalUrl"},
        "JOBTRAIL_CONSOLE_ROLE_NAME": {"Ref": "ConsoleRoleName"},
    }


def test_slack_app_mode_is_told_the_access_portal_for_its_job_cards() -> None:
    variables = TEMPLATE["Resources"]["SlackNotifierFunction"]["Properties"]["Environment"]["Variables"]

    assert {name: variables[name] for name in PORTAL_VARIABLES} == {
        name: {"Fn::If": ["HasSlackApp", {"Ref": parameter}, {"Ref": "AWS::NoValue"}]}
        for name, parameter in zip(PORTAL_VARIABLES, ("ConsolePortalUrl", "ConsoleRoleName"), strict=True)
    }


def test_the_portal_parameters_check_what_the_functions_check() -> None:
    parameters = TEMPLATE["Parameters"]

    assert parameters["ConsolePortalUrl"]["AllowedPattern"] == f"^({PORTAL_URL.pattern})?$"
    assert parameters["ConsoleRoleName"]["AllowedPattern"] == f"^({PERMISSION_SET_NAME.pattern})?$"
    assert (parameters["ConsolePortalUrl"]["Default"], parameters["ConsoleRoleName"]["Default"]) == ("", "")


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("ConsolePortalUrl", "", True),
        ("ConsolePortalUrl", "https://d-9067c2a1b3.awsapps.com/start", True),
        ("ConsolePortalUrl", "https://AnyCompany.awsapps.com/start/", True),
        ("ConsolePortalUrl", "https://my-team-1.awsapps.com/start", True),
        ("ConsolePortalUrl", "http://d-9067c2a1b3.awsapps.com/start", False),
        ("ConsolePortalUrl", "https://d-9067c2a1b3.awsapps.com", False),
        ("ConsolePortalUrl", "https://d-9067c2a1b3.awsapps.com/start#/", False),
        ("ConsolePortalUrl", "https://awsapps.com.evil.example/start", False),
        ("ConsolePortalUrl", "https://a.b.awsapps.com/start", False),
        ("ConsolePortalUrl", "https://-x.awsapps.com/start", False),
        ("ConsoleRoleName", "", True),
        ("ConsoleRoleName", "ReadOnlyAccess", True),
        ("ConsoleRoleName", "ops+on-call@team.1", True),
        ("ConsoleRoleName", "A" * 32, True),
        ("ConsoleRoleName", "A" * 33, False),
        ("ConsoleRoleName", "path/ReadOnly", False),
        ("ConsoleRoleName", "Read Only", False),
    ],
)
def test_the_portal_parameters_accept_what_the_portal_documents_and_nothing_else(
    parameter: str, value: str, accepted: bool
) -> None:
    import re  # noqa: PLC0415

    assert bool(re.fullmatch(TEMPLATE["Parameters"][parameter]["AllowedPattern"], value)) is accepted


@pytest.mark.parametrize(
    ("parameters", "accepted"),
    [
        ({}, True),
        ({"ConsolePortalUrl": PORTAL}, True),
        ({"ConsolePortalUrl": PORTAL, "ConsoleRoleName": "ReadOnlyAccess"}, True),
        ({"ConsoleRoleName": "ReadOnlyAccess"}, False),
    ],
)  # fmt: skip
def test_a_console_role_without_a_portal_is_refused_before_anything_is_deployed(
    parameters: dict[str, str], accepted: bool
) -> None:
    assert _rules_hold(TEMPLATE, parameters) is accepted
