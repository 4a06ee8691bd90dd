"""Which team owns a job, and where its alerts go: the routes document, its validation, and matching.

The document is JSON that people keep in an SSM parameter and edit without redeploying::

    {"routes": [
        {"team": "nlp", "match": {"tags": {"team": "nlp"}}, "slack_channel": "#nlp-alerts",
         "slack_webhook_secret": "jobtrail/slack/nlp"},
        {"team": "vision", "match": {"name_prefix": "cv-"}, "slack_channel": "C0123ABCD"},
        {"team": "research", "match": {"name_prefix": ["exp-", "ablation-"], "kind": ["training", "tuning"],
                                       "account": "111122223333"}}],
     "default": {"team": "platform", "slack_channel": "#ml-alerts"}}

A rule matches a job when every condition of its ``match`` holds: each tag given has that value on the job,
the name starts with one of the prefixes (any case: a pipeline execution's name holds its pipeline's name
lowercased), the kind and the account are among those listed. Rules are tried in order and the first that
matches wins; no match takes ``default`` (without one: no team, and the stack's own Slack destination).

``parse_routes`` refuses a document it cannot route by, with a message that names the rule
(``routes[1] ("vision"): match.name_prefix must be a string or a list of strings``); the caller then routes
every alert by ``fallback_route``, so a bad document never holds an alert back. Pure: no AWS, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, TypeVar

import msgspec

from jobtrail.core.kinds import KINDS, JobKey, Kind

#: A job keeps at most this many tags (SageMaker allows 50 per resource), and of each value its first
#: ``MAX_TAG_VALUE`` characters (SageMaker's limit is 256): the summary item stays small.
MAX_TAGS: Final = 50
MAX_TAG_VALUE: Final = 128
#: SageMaker's limit on a tag key.
MAX_TAG_KEY: Final = 128
#: A team is an SNS message attribute value that filter policies compare: short, printable, trimmed.
MAX_TEAM: Final = 64
_TEAM_PUNCTUATION: Final = frozenset(" ._:/@+-")
#: A Slack channel is ``#name`` (lowercase letters, digits, ``-`` and ``_``, at most 80) or its id:
_CHANNEL_ID: Final = re.compile(r"[CGD][A-Z0-9]{8,20}")
#: The functions may read only the secrets under this name prefix (the template scopes their IAM to it).
SECRET_PREFIX: Final = "jobtrail/"  # noqa: S105 - a name prefix, not a secret
_SECRET_NAME: Final = r"jobtrail/[A-Za-z0-9/_+=.@-]{1,500}"  # noqa: S105 - a pattern of names
_SECRET: Final = re.compile(
    rf"{_SECRET_NAME}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{{12}}:secret:{_SECRET_NAME}"
)
_ACCOUNT: Final = re.compile(r"[0-9]{12}")

_Text = TypeVar("_Text", bound=str)


class RoutesError(ValueError):
    """The routes document cannot be used; the message says why in one line, naming the rule."""


class RoutesUnreadable(RoutesError):
    """The routes document could not be read (the parameter is missing, access was denied, SSM was down)."""


# -- the document as parsed -------------------------------------------------------------------------------


class Match(msgspec.Struct, frozen=True):
    """A rule's conditions; each one given must hold (an empty tuple is a condition not given)."""

    tags: tuple[tuple[str, str], ...] = ()
    name_prefixes: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    accounts: tuple[str, ...] = ()

    def explain(self, job: JobKey, tags: Mapping[str, str] | None) -> str | None:
        """Why ``job`` (with ``tags``, ``None`` when not known) matches, in words (``tag team=nlp, kind
        training``); ``None`` when it does not. A rule on tags never matches a job whose tags are unknown."""
        said: list[str] = []
        if self.tags:
            if tags is None or any(tags.get(key) != value for key, value in self.tags):
                return None
            pairs = ", ".join(f"{key}={value}" for key, value in self.tags)
            said.append(f"tag {pairs}" if len(self.tags) == 1 else f"tags {pairs}")
        if self.name_prefixes:
            prefix = next((p for p in self.name_prefixes if job.name.lower().startswith(p.lower())), None)
            if prefix is None:
                return None
            said.append(f"name prefix {prefix}")
        if self.kinds:
            if job.kind not in self.kinds:
                return None
            said.append(f"kind {job.kind}")
        if self.accounts:
            if job.account not in self.accounts:
                return None
            said.append(f"account {job.account}")
        return ", ".join(said)


class Rule(msgspec.Struct, frozen=True):
    """Jobs that ``match`` belong to ``team``; their alerts go to its Slack channel and/or webhook."""

    team: str
    match: Match
    slack_channel: str | None = None
    slack_webhook_secret: str | None = None


class Destination(msgspec.Struct, frozen=True):
    """The default route: where the alerts of jobs no rule matches go."""

    team: str | None = None
    slack_channel: str | None = None
    slack_webhook_secret: str | None = None


class Routes(msgspec.Struct, frozen=True):
    """A valid routes document: its rules in order, and its default route (``None``: the stack's own)."""

    rules: tuple[Rule, ...] = ()
    default: Destination | None = None


class RouteChoice(msgspec.Struct, frozen=True):
    """Where one job's alerts go, and why, in words (``rule 1 "nlp": tag team=nlp``); ``rule`` is the
    1-based number of the rule that matched, ``None`` for the default route."""

    team: str | None
    slack_channel: str | None
    slack_webhook_secret: str | None
    reason: str
    rule: int | None = None

    def view(self) -> dict[str, str | None]:
        """The alert message's ``route`` object."""
        return {
            "team": self.team,
            "slack_channel": self.slack_channel,
            "slack_webhook_secret": self.slack_webhook_secret,
            "reason": self.reason,
        }


# -- choosing a route ---------------------------------------------------------------------------------------


def route_for(routes: Routes | None, key: JobKey, tags: Mapping[str, str] | None) -> RouteChoice:
    """The route of job ``key`` whose tags are ``tags`` (``None``: not read yet): the first rule that
    matches, else the default route; ``routes`` ``None`` means no routes document (no team)."""
    if routes is None:
        return RouteChoice(None, None, None, "default route (no routes document)")
    for number, rule in enumerate(routes.rules, start=1):
        why = rule.match.explain(key, tags)
        if why is not None:
            return RouteChoice(
                rule.team,
                rule.slack_channel,
                rule.slack_webhook_secret,
                f'rule {number} "{rule.team}": {why}',
                rule=number,
            )
    unknown = tags is None and any(rule.match.tags for rule in routes.rules)
    note = "no rule matched; the job's tags are not known yet" if unknown else "no rule matched"
    default = routes.default or Destination()
    return RouteChoice(
        default.team, default.slack_channel, default.slack_webhook_secret, f"default route ({note})"
    )


def fallback_route(error: RoutesError) -> RouteChoice:
    """The route of every alert while the routes document is invalid or unreadable: no team, the stack's
    own Slack destination, and why."""
    what = "could not be read" if isinstance(error, RoutesUnreadable) else "is invalid"
    return RouteChoice(None, None, None, f"default route (the routes document {what}: {error})")


def kept_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The tags a job keeps: at most ``MAX_TAGS`` (the first by key), each value cut to ``MAX_TAG_VALUE``
    characters (rules on longer values are refused, so a cut value never decides a match wrongly)."""
    return {key: tags[key][:MAX_TAG_VALUE] for key in sorted(tags)[:MAX_TAGS]}


# -- reading the document -----------------------------------------------------------------------------------


class _MatchDoc(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    tags: dict[str, str] | None = None
    name_prefix: str | list[str] | None = None
    kind: Kind | list[Kind] | None = None
    account: str | list[str] | None = None

    def __post_init__(self) -> None:
        if self.tags is not None:
            if not self.tags:
                raise ValueError("tags must name at least one tag")
            for key, value in self.tags.items():
                if not 1 <= len(key) <= MAX_TAG_KEY:
                    raise ValueError(f"tags: a tag key is 1 to {MAX_TAG_KEY} characters, not {key!r}")
                if len(value) > MAX_TAG_VALUE:
                    raise ValueError(
                        f"tags.{key}: a value over {MAX_TAG_VALUE} characters never matches (jobtrail keeps "
                        f"the first {MAX_TAG_VALUE} characters of a tag's value)"
                    )
        if any(not prefix for prefix in _listed(self.name_prefix)):
            raise ValueError("name_prefix must not be empty (leave name_prefix out to match every name)")
        if self.name_prefix == []:
            raise ValueError("name_prefix must list at least one prefix")
        if self.kind == []:
            raise ValueError(f"kind must list at least one kind ({', '.join(KINDS)})")
        accounts = _listed(self.account)
        if self.account == [] or any(not _ACCOUNT.fullmatch(account) for account in accounts):
            raise ValueError("account must be a 12-digit AWS account id or a list of them")


class _RuleDoc(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    team: str
    match: _MatchDoc
    slack_channel: str | None = None
    slack_webhook_secret: str | None = None

    def __post_init__(self) -> None:
        _check_team(self.team)
        if self.match == _MatchDoc():
            raise ValueError(
                "match must name at least one of tags, name_prefix, kind, account (the default route takes "
                "every job no rule matches)"
            )
        _check_destination(self.slack_channel, self.slack_webhook_secret)


class _DefaultDoc(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    team: str | None = None
    slack_channel: str | None = None
    slack_webhook_secret: str | None = None

    def __post_init__(self) -> None:
        if self.team is not None:
            _check_team(self.team)
        _check_destination(self.slack_channel, self.slack_webhook_secret)


class _Document(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    routes: list[_RuleDoc] = msgspec.field(default_factory=list)
    default: _DefaultDoc | None = None


def _check_team(team: str) -> None:
    ok = (
        1 <= len(team) <= MAX_TEAM
        and team[0].isalnum()
        and team[-1].isalnum()
        and all(c.isalnum() or c in _TEAM_PUNCTUATION for c in team)
    )
    if not ok:
        raise ValueError(
            f"team must be 1 to {MAX_TEAM} letters, digits, spaces or ._:/@+- beginning and ending with a "
            f"letter or digit, not {team!r} (it is the SNS message attribute subscribers filter on)"
        )


def _check_destination(channel: str | None, secret: str | None) -> None:
    if channel is not None and not (_is_channel_name(channel) or _CHANNEL_ID.fullmatch(channel)):
        raise ValueError(
            f"slack_channel must be a channel name (#ml-alerts: lowercase letters, digits, - and _) or a "
            f"channel id (C0123ABCD), not {channel!r}"
        )
    if secret is not None and not _SECRET.fullmatch(secret):
        raise ValueError(
            f"slack_webhook_secret must name a Secrets Manager secret under {SECRET_PREFIX} (such as "
            f"jobtrail/slack/nlp, or its ARN), not {secret!r}: the functions may read only secrets named "
            f"{SECRET_PREFIX}…"
        )


def _is_channel_name(channel: str) -> bool:
    name = channel.removeprefix("#")
    return (
        channel.startswith("#")
        and 1 <= len(name) <= 80
        and all(c in "-_" or c.isdigit() or (c.isalpha() and not c.isupper()) for c in name)
    )


def _listed(value: _Text | list[_Text] | None) -> list[_Text]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def parse_routes(text: str) -> Routes:
    """The routes document in ``text`` (JSON), or ``RoutesError`` saying in one line what is wrong and in
    which rule (``routes[1] ("vision"): …``, rules counted from 0 as in the JSON)."""
    if not text.strip():
        raise RoutesError("the routes document is empty")
    try:
        raw = msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        raise RoutesError(f"not JSON: {error}") from None
    try:
        document = msgspec.convert(raw, _Document)
    except msgspec.ValidationError as error:
        # One line, whatever a key or value holds (msgspec quotes them as they are).
        explained = _explain(str(error), raw).replace("\r", "\\r").replace("\n", "\\n")
        raise RoutesError(explained) from None
    default = document.default
    return Routes(
        rules=tuple(
            Rule(
                team=rule.team,
                match=Match(
                    tags=tuple((rule.match.tags or {}).items()),
                    name_prefixes=tuple(_listed(rule.match.name_prefix)),
                    kinds=tuple(_listed(rule.match.kind)),
                    accounts=tuple(_listed(rule.match.account)),
                ),
                slack_channel=rule.slack_channel,
                slack_webhook_secret=rule.slack_webhook_secret,
            )
            for rule in document.routes
        ),
        default=None
        if default is None
        else Destination(default.team, default.slack_channel, default.slack_webhook_secret),
    )


# -- msgspec's messages, in the document's words ------------------------------------------------------------

#: What each member must be, for msgspec's "Expected `…`, got `…`" (its path without list indexes).
_SHAPES: Final = {
    "": "a JSON object with routes (a list of rules) and default",
    "rule": "an object with team and match",
    "routes": "a list of rules, each an object with team and match",
    "default": "an object with team, slack_channel and slack_webhook_secret",
    "team": "a string",
    "match": "an object with tags, name_prefix, kind or account",
    "match.tags": "an object of tag keys and their values (strings)",
    "match.name_prefix": "a string or a list of strings",
    "match.kind": f"a job kind or a list of them ({', '.join(KINDS)})",
    "match.account": "a 12-digit AWS account id or a list of them",
    "slack_channel": "a string",
    "slack_webhook_secret": "a string",
}
#: The members each object may have, for msgspec's "Object contains unknown field".
_MEMBERS: Final = {
    "": ("routes", "default"),
    "default": _DefaultDoc.__struct_fields__,
    "match": _MatchDoc.__struct_fields__,
    "rule": _RuleDoc.__struct_fields__,
}
_MESSAGE: Final = re.compile(r"(?s)(?P<what>.*?)(?: - at `\$(?P<path>.*)`)?")
_IN_RULE: Final = re.compile(r"\.routes\[(?P<index>\d+)\](?P<rest>.*)")


def _explain(message: str, raw: Any) -> str:
    """msgspec's validation ``message`` as the routes document's author reads it: which rule (by its index
    and team), which member, what it must be."""
    parts = _MESSAGE.fullmatch(message)
    what, path = (parts["what"], parts["path"] or "") if parts else (message, "")
    where, path, in_rule = _where(path, raw)
    member = re.sub(r"\[[^\]]*\]", "", path).lstrip(".")
    key = "rule" if in_rule and not member else member
    holder = {"": "the routes document", "rule": "the rule"}.get(key, key)
    prefix = f"{where}: " if where else ""
    if expected := re.fullmatch(r"(?s)Expected `.*`, got `.*`", what):
        return f"{prefix}{holder} must be {_SHAPES.get(key, expected[0])}"
    if unknown := re.fullmatch(r"(?s)Object contains unknown field `(.*)`", what):
        known = ", ".join(_MEMBERS.get(key, ()))
        return f"{prefix}{holder} has an unknown key {unknown[1]!r} (known: {known})"
    if missing := re.fullmatch(r"(?s)Object missing required field `(.*)`", what):
        return f"{prefix}{member + '.' if member else ''}{missing[1]} is required"
    if enum := re.fullmatch(r"(?s)Invalid enum value (.*)", what):
        return f"{prefix}{member} must be {_SHAPES.get(member, 'one of its values')}, not {enum[1]}"
    # A check of ours (``__post_init__``): its message starts with the member it is about.
    return f"{prefix}{member + '.' if member else ''}{what}"


def _where(path: str, raw: Any) -> tuple[str, str, bool]:
    """(the rule a msgspec path is in, by index and team, or ""; the path inside it; whether in a rule)."""
    in_rule = _IN_RULE.fullmatch(path)
    if not in_rule:
        return "", path, False
    index = int(in_rule["index"])
    rules = raw.get("routes") if isinstance(raw, dict) else None
    rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
    team = rule.get("team") if isinstance(rule, dict) else None
    label = f"routes[{index}]" + (
        f" ({json.dumps(team, ensure_ascii=False)})" if isinstance(team, str) else ""
    )
    return label, in_rule["rest"], True
