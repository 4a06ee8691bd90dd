"""The routes document: what it routes where and why, and how it refuses a document it cannot route by."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobtrail.core.kinds import KINDS, JobKey, Kind
from jobtrail.core.routing import (
    MAX_TAG_VALUE,
    MAX_TAGS,
    Destination,
    Match,
    RouteChoice,
    RoutesError,
    RoutesUnreadable,
    Rule,
    fallback_route,
    kept_tags,
    parse_routes,
    route_for,
)

#: The example of the README's "Routing alerts to teams".
DOCUMENT = {
    "routes": [
        {
            "team": "nlp",
            "match": {"tags": {"team": "nlp"}},
            "slack_channel": "#nlp-alerts",
            "slack_webhook_secret": "jobtrail/slack/nlp",
        },
        {"team": "vision", "match": {"name_prefix": "cv-"}, "slack_channel": "C0123ABCD"},
        {
            "team": "research",
            "match": {
                "name_prefix": ["exp-", "ablation-"],
                "kind": ["training", "tuning"],
                "account": "111122223333",
            },
        },
    ],
    "default": {"team": "platform", "slack_channel": "#ml-alerts"},
}
ROUTES = parse_routes(json.dumps(DOCUMENT))
ACCOUNT = "123456789012"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333"


def job(name: str, kind: Kind = "training", account: str = ACCOUNT) -> JobKey:
    return JobKey(account=account, region="us-east-1", kind=kind, name=name)


def test_the_document_parses_into_its_rules_in_order_and_its_default() -> None:
    assert ROUTES.rules == (
        Rule("nlp", Match(tags=(("team", "nlp"),)), "#nlp-alerts", "jobtrail/slack/nlp"),
        Rule("vision", Match(name_prefixes=("cv-",)), "C0123ABCD"),
        Rule(
            "research",
            Match(
                name_prefixes=("exp-", "ablation-"), kinds=("training", "tuning"), accounts=("111122223333",)
            ),
        ),
    )
    assert ROUTES.default == Destination("platform", "#ml-alerts")


def test_a_tag_routes_the_job_to_its_team_saying_which_tag() -> None:
    choice = route_for(ROUTES, job("bert-finetune"), {"team": "nlp", "project": "reviews"})

    assert choice == RouteChoice(
        "nlp", "#nlp-alerts", "jobtrail/slack/nlp", 'rule 1 "nlp": tag team=nlp', rule=1
    )


def test_a_name_prefix_routes_any_case_and_says_which_prefix() -> None:
    # A pipeline execution's name holds its pipeline's name lowercased: CV- in a rule still matches it
    routes = parse_routes('{"routes": [{"team": "vision", "match": {"name_prefix": "CV-"}}]}')

    choice = route_for(routes, job("cv-detr/a1b2c3", "pipeline"), {})

    assert (choice.team, choice.reason) == ("vision", 'rule 1 "vision": name prefix CV-')


def test_every_condition_of_a_rule_must_hold() -> None:
    research = job("exp-lr-sweep", "tuning", "111122223333")

    assert route_for(ROUTES, research, {}).reason == (
        'rule 3 "research": name prefix exp-, kind tuning, account 111122223333'
    )
    # Each condition failing alone sends the job to the default route
    for other in (
        job("exp-lr-sweep", "processing", "111122223333"),
        job("exp-lr-sweep", "tuning", "999999999999"),
        job("lr-sweep-exp-", "tuning", "111122223333"),
    ):
        assert route_for(ROUTES, other, {}).team == "platform", other


def test_the_first_rule_that_matches_wins() -> None:
    # A vision job tagged team=nlp matches rules 1 and 2: rule 1 wins
    choice = route_for(ROUTES, job("cv-resnet"), {"team": "nlp"})

    assert (choice.team, choice.rule) == ("nlp", 1)
    assert route_for(ROUTES, job("cv-resnet"), {"team": "vision"}).rule == 2


def test_no_match_takes_the_default_route() -> None:
    choice = route_for(ROUTES, job("churn-xgb"), {"team": "growth"})

    assert choice == RouteChoice("platform", "#ml-alerts", None, "default route (no rule matched)")


def test_without_a_default_no_match_has_no_team_and_the_stacks_destination() -> None:
    routes = parse_routes('{"routes": [{"team": "nlp", "match": {"tags": {"team": "nlp"}}}]}')

    assert route_for(routes, job("churn-xgb"), {}) == RouteChoice(
        None, None, None, "default route (no rule matched)"
    )


def test_a_job_whose_tags_are_unknown_matches_no_tag_rule_and_says_so() -> None:
    choice = route_for(ROUTES, job("bert-finetune"), None)

    assert choice.team == "platform"
    assert choice.reason == "default route (no rule matched; the job's tags are not known yet)"
    # Its name still routes it
    assert route_for(ROUTES, job("cv-resnet"), None).team == "vision"


def test_without_a_document_no_alert_has_a_team() -> None:
    assert route_for(None, job("bert-finetune"), {"team": "nlp"}) == RouteChoice(
        None, None, None, "default route (no routes document)"
    )


def test_a_bad_or_unreadable_document_routes_to_the_default_saying_why() -> None:
    invalid = fallback_route(RoutesError('routes[1] ("vision"): match.name_prefix must be a string'))
    unreadable = fallback_route(RoutesUnreadable("SSM parameter /jobtrail/routes: AccessDenied"))

    assert (invalid.team, invalid.slack_channel, invalid.slack_webhook_secret) == (None, None, None)
    assert invalid.reason == (
        'default route (the routes document is invalid: routes[1] ("vision"): match.name_prefix must be a '
        "string)"
    )
    assert unreadable.reason == (
        "default route (the routes document could not be read: SSM parameter /jobtrail/routes: AccessDenied)"
    )


def test_the_route_view_is_the_alerts_route_object() -> None:
    choice = route_for(ROUTES, job("cv-resnet"), {})

    assert choice.view() == {
        "team": "vision",
        "slack_channel": "C0123ABCD",
        "slack_webhook_secret": None,
        "reason": 'rule 2 "vision": name prefix cv-',
    }


# -- refusing documents ------------------------------------------------------------------------------------


def rules(*rules: Any, **document: Any) -> str:
    return json.dumps({"routes": list(rules), **document})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            rules(
                {"team": "nlp", "match": {"tags": {"team": "nlp"}}},
                {"team": "vision", "match": {"name_prefix": 3}},
            ),
            'routes[1] ("vision"): match.name_prefix must be a string or a list of strings',
        ),
        (
            rules({"team": "vision", "match": {"name_prefix": ["cv-", 3]}}),
            'routes[0] ("vision"): match.name_prefix must be a string or a list of strings',
        ),
        (
            rules({"team": "vision", "match": {"colour": "blue"}}),
            "routes[0] (\"vision\"): match has an unknown key 'colour' "
            "(known: tags, name_prefix, kind, account)",
        ),
        (
            rules({"team": "vision", "match": {"kind": "training"}, "channel": "#cv"}),
            "routes[0] (\"vision\"): the rule has an unknown key 'channel' "
            "(known: team, match, slack_channel, slack_webhook_secret)",
        ),
        (rules({"match": {"kind": "training"}}), "routes[0]: team is required"),
        (rules({"team": "vision"}), 'routes[0] ("vision"): match is required'),
        (rules({"team": 7, "match": {"kind": "training"}}), "routes[0]: team must be a string"),
        (
            rules({"team": "vision", "match": {}}),
            'routes[0] ("vision"): match must name at least one of tags, name_prefix, kind, account (the '
            "default route takes every job no rule matches)",
        ),
        (
            rules({"team": "v", "match": {"kind": "trainnig"}}),
            'routes[0] ("v"): match.kind must be a job kind or a list of them (training, processing, '
            "transform, tuning, pipeline), not 'trainnig'",
        ),
        (
            rules({"team": "v", "match": {"account": "1111"}}),
            'routes[0] ("v"): match.account must be a 12-digit AWS account id or a list of them',
        ),
        (
            rules({"team": "v", "match": {"name_prefix": ""}}),
            'routes[0] ("v"): match.name_prefix must not be empty '
            "(leave name_prefix out to match every name)",
        ),
        (
            rules({"team": "v", "match": {"tags": {"team": "x" * (MAX_TAG_VALUE + 1)}}}),
            f'routes[0] ("v"): match.tags.team: a value over {MAX_TAG_VALUE} characters never matches '
            f"(jobtrail keeps the first {MAX_TAG_VALUE} characters of a tag's value)",
        ),
        (
            rules({"team": "v", "match": {"kind": "training"}, "slack_channel": "ml-alerts"}),
            'routes[0] ("v"): slack_channel must be a channel name '
            "(#ml-alerts: lowercase letters, digits, - and _) or a channel id (C0123ABCD), not 'ml-alerts'",
        ),
        (
            rules({"team": "v", "match": {"kind": "training"}, "slack_webhook_secret": "slack/nlp"}),
            'routes[0] ("v"): slack_webhook_secret must name a Secrets Manager secret under jobtrail/ '
            "(such as jobtrail/slack/nlp, or its ARN), not 'slack/nlp': the functions may read only "
            "secrets named jobtrail/…",
        ),
        (
            rules({"team": "ml platform ", "match": {"kind": "training"}}),
            'routes[0] ("ml platform "): team must be 1 to 64 letters, digits, spaces or ._:/@+- '
            "beginning and ending with a letter or digit, not 'ml platform ' (it is the SNS message "
            "attribute subscribers filter on)",
        ),
        (rules(5), "routes[0]: the rule must be an object with team and match"),
        ('{"routes": {}}', "routes must be a list of rules, each an object with team and match"),
        ('{"rules": []}', "the routes document has an unknown key 'rules' (known: routes, default)"),
        ("[]", "the routes document must be a JSON object with routes (a list of rules) and default"),
        (
            rules(default={"channel": "#ml"}),
            "default has an unknown key 'channel' (known: team, slack_channel, slack_webhook_secret)",
        ),
        (
            rules(default={"slack_channel": "#ML"}),
            "default.slack_channel must be a channel name (#ml-alerts: lowercase letters, digits, - "
            "and _) or a channel id (C0123ABCD), not '#ML'",
        ),
        ("", "the routes document is empty"),
        ('{"routes": [', "not JSON: Input data was truncated"),
    ],
)
def test_a_document_it_cannot_route_by_is_refused_in_one_line_naming_the_rule(
    text: str, message: str
) -> None:
    with pytest.raises(RoutesError) as refused:
        parse_routes(text)

    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "destination",
    [
        {"slack_channel": "#ml-alerts"},
        {"slack_channel": "#équipe_ml-2"},
        {"slack_channel": "C0123ABCD"},
        {"slack_webhook_secret": "jobtrail/slack/nlp"},
        {"slack_webhook_secret": f"{SECRET_ARN}:secret:jobtrail/slack/nlp-AbCdEf"},
        {"slack_channel": "#nlp", "slack_webhook_secret": "jobtrail/slack/nlp"},
        {},
    ],
)
def test_a_route_names_a_channel_a_webhook_secret_both_or_neither(destination: dict[str, str]) -> None:
    routes = parse_routes(rules({"team": "nlp", "match": {"kind": "training"}, **destination}))

    assert routes.rules[0].slack_channel == destination.get("slack_channel")
    assert routes.rules[0].slack_webhook_secret == destination.get("slack_webhook_secret")


def test_a_document_of_a_default_alone_routes_every_job_there() -> None:
    routes = parse_routes('{"default": {"team": "ml-platform"}}')

    assert route_for(routes, job("anything", "transform"), {}).team == "ml-platform"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(["routes", "default", "team", "match", "tags", "name_prefix", "kind", "account"])
DOCUMENT_LIKE = st.recursive(
    st.none() | st.integers() | st.sampled_from(["nlp", "cv-", "training", "111122223333", "#ml", ""]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=16,
)


@given(st.one_of(JSON_VALUES, DOCUMENT_LIKE))
@settings(max_examples=400, deadline=None)
def test_any_json_is_a_document_or_one_line_saying_why_not(value: Any) -> None:
    # Whatever JSON a person puts in the parameter, parsing either succeeds or says why in one line:
    # never another exception, never a traceback's worth of text
    text = json.dumps(value)
    try:
        parse_routes(text)
    except RoutesError as error:
        refusal = str(error)
    else:
        refusal = "parsed"
    assert refusal
    assert "\n" not in refusal


# -- the oracle: the first rule whose every condition holds ------------------------------------------------

TEAMS = st.sampled_from(["nlp", "vision", "research", "growth"])
TAG_KEYS = st.sampled_from(["team", "project", "env"])
TAG_VALUES = st.sampled_from(["nlp", "vision", "prod", "dev"])
PREFIXES = st.sampled_from(["cv-", "CV-", "exp-", "bert", "churn"])
ACCOUNTS = st.sampled_from(["111122223333", ACCOUNT])
MATCHES = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.dictionaries(TAG_KEYS, TAG_VALUES, min_size=1, max_size=2),
        "name_prefix": PREFIXES | st.lists(PREFIXES, min_size=1, max_size=2),
        "kind": st.sampled_from(KINDS) | st.lists(st.sampled_from(KINDS), min_size=1, max_size=2),
        "account": ACCOUNTS | st.lists(ACCOUNTS, min_size=1, max_size=2),
    },
).filter(bool)
NAMES = st.sampled_from(["cv-resnet", "exp-sweep", "bert-large", "churn-xgb", "Cv-upper", "other"])


def holds(match: Mapping[str, Any], key: JobKey, tags: Mapping[str, str] | None) -> bool:
    """A rule's ``match`` as the README words it, written out again."""

    def listed(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    if "tags" in match and (tags is None or any(tags.get(k) != v for k, v in match["tags"].items())):
        return False
    if "name_prefix" in match and not any(
        key.name.lower().startswith(p.lower()) for p in listed(match["name_prefix"])
    ):
        return False
    if "kind" in match and key.kind not in listed(match["kind"]):
        return False
    return "account" not in match or key.account in listed(match["account"])


@given(
    st.lists(st.fixed_dictionaries({"team": TEAMS, "match": MATCHES}), max_size=5),
    st.booleans(),
    NAMES,
    st.sampled_from(KINDS),
    ACCOUNTS,
    st.none() | st.dictionaries(TAG_KEYS, TAG_VALUES, max_size=3),
)
@settings(max_examples=500, deadline=None)
def test_the_route_is_the_first_rule_whose_every_condition_holds(
    document_rules: list[dict[str, Any]],
    with_default: bool,
    name: str,
    kind: Kind,
    account: str,
    tags: dict[str, str] | None,
) -> None:
    document: dict[str, Any] = {"routes": document_rules}
    if with_default:
        document["default"] = {"team": "platform"}
    key = job(name, kind, account)

    choice = route_for(parse_routes(json.dumps(document)), key, tags)

    first = next((i for i, rule in enumerate(document_rules) if holds(rule["match"], key, tags)), None)
    if first is None:
        assert choice.rule is None
        assert choice.team == ("platform" if with_default else None)
        assert choice.reason.startswith("default route (no rule matched")
    else:
        assert choice.rule == first + 1
        assert choice.team == document_rules[first]["team"]
        assert choice.reason.startswith(f'rule {first + 1} "{choice.team}": ')


# -- the tags a job keeps -----------------------------------------------------------------------------------


def test_a_job_keeps_at_most_50_tags_the_first_by_key_and_cut_values() -> None:
    many = {f"key-{i:03d}": f"value-{i}" for i in range(80)} | {"aaa": "v" * 300}

    kept = kept_tags(many)

    assert len(kept) == MAX_TAGS
    assert list(kept) == sorted(many)[:MAX_TAGS]
    assert kept["aaa"] == "v" * MAX_TAG_VALUE
    assert kept_tags({}) == {}
