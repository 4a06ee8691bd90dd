"""The history store is typed through: no ``Any`` in what its modules offer, so that a mapper or an
operation cannot quietly fall back to an untyped bag (mypy ``strict`` checks the bodies; this checks the
signatures it trusts).

What counts as offered: every public function and class a store module defines, its module-level
annotations, each class's own annotations (dataclass fields), the signatures of its public methods and
``__init__``, the type arguments of its bases, and the value type of each PynamoDB attribute it declares.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.session
from jobtrail.adapters import history_codec, history_queries, history_store, history_table
from jobtrail.core.slack_thread import SlackThread, TransitionRef
from pynamodb.attributes import Attribute

STORE_MODULES = (history_table, history_store, history_queries, history_codec)
#: Names the store modules import only for the type checker (``if TYPE_CHECKING:``).
TYPE_CHECKING_NAMES = {"botocore": botocore, "SlackThread": SlackThread, "TransitionRef": TransitionRef}


def mentions_any(hint: object) -> bool:
    """Whether ``Any`` appears anywhere in a resolved type hint."""
    if hint is Any:
        return True
    if isinstance(hint, TypeVar):
        return any(map(mentions_any, (hint.__bound__, *hint.__constraints__)))
    if isinstance(hint, list | tuple):
        return any(map(mentions_any, hint))
    return any(map(mentions_any, typing.get_args(hint)))


def hints(owner: object, module: types.ModuleType) -> dict[str, object]:
    return typing.get_type_hints(owner, globalns=vars(module), localns=TYPE_CHECKING_NAMES)


def defined_in(module: types.ModuleType) -> Iterator[tuple[str, object]]:
    for name, value in vars(module).items():
        alias = isinstance(value, types.UnionType)  # such as WriteOperation (a union has no __module__)
        if not name.startswith("_") and (alias or getattr(value, "__module__", None) == module.__name__):
            yield name, value


def signatures(module: types.ModuleType) -> Iterator[tuple[str, object]]:
    """(where, type) for every type the module's public surface names."""
    for name, hint in hints(module, module).items():
        if not name.startswith("_"):
            yield f"{module.__name__}.{name}", hint
    for name, value in defined_in(module):
        where = f"{module.__name__}.{name}"
        if inspect.isfunction(value):
            yield from ((f"{where}:{p}", h) for p, h in hints(value, module).items())
        elif inspect.isclass(value):
            yield from class_surface(value, where, module)
        elif isinstance(value, types.UnionType):  # a type alias such as WriteOperation
            yield where, value


def class_surface(cls: type, where: str, module: types.ModuleType) -> Iterator[tuple[str, object]]:
    own = inspect.get_annotations(cls)
    yield from ((f"{where}.{n}", h) for n, h in hints(cls, module).items() if n in own)
    for base in cls.__dict__.get("__orig_bases__", ()):
        yield f"{where} base", base
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
        if isinstance(function, property):
            function = function.fget
        if inspect.isfunction(function):
            yield from ((f"{where}.{name}:{p}", h) for p, h in hints(function, module).items())
        elif isinstance(member, Attribute):
            for base in type(member).__orig_bases__:  # e.g. UnicodeAttribute is Attribute[str]
                yield f"{where}.{name} value", base


SURFACE = [item for module in STORE_MODULES for item in signatures(module)]


def test_the_store_offers_no_any() -> None:
    assert [f"{where} is typed {hint}" for where, hint in SURFACE if mentions_any(hint)] == []


def test_the_surface_is_all_there() -> None:
    # A rule over an empty list would pass for nothing: the store's main entry points are in it
    places = {where.split(":")[0] for where, _ in SURFACE}
    assert {
        "jobtrail.adapters.history_store.HistoryStore.apply",
        "jobtrail.adapters.history_store.HistoryStore.__init__",
        "jobtrail.adapters.history_store.HistoryStore.botocore_session",
        "jobtrail.adapters.history_store.HistoryStore.add_alert",
        "jobtrail.adapters.history_codec.pack",
        "jobtrail.adapters.history_codec.unpack",
        "jobtrail.adapters.history_table.read_whole",
        "jobtrail.adapters.history_queries.HistoryQueries.list_jobs",
        "jobtrail.adapters.history_queries.JobQuery.status",
        "jobtrail.adapters.history_table.HistoryTable.bind",
        "jobtrail.adapters.history_table.HistoryTable.summary",
        "jobtrail.adapters.history_table.summary_item",
        "jobtrail.adapters.history_table.Summary.job_status value",
        "jobtrail.adapters.history_table.MetricValue base",
    } <= places


@dataclass
class _Untyped:
    payload: dict[str, Any]

    def send(self, to: str) -> Any: ...


def _loose(call: Callable[..., Any]) -> None: ...


def test_the_rule_sees_what_it_forbids() -> None:
    # The detector finds Any however deep it sits, in a field, a return, a callable's arguments
    this = sys.modules[__name__]
    found = {where for where, hint in class_surface(_Untyped, "U", this) if mentions_any(hint)}
    assert found == {"U.payload", "U.__init__:payload", "U.send:return"}
    assert mentions_any(hints(_loose, this)["call"])
    assert mentions_any(TypeVar("Bounded", bound=dict[str, Any]))
    assert not mentions_any(hints(history_store.HistoryStore.apply, history_store)["changes"])
    assert not mentions_any(hints(history_table.read_whole, history_table)["model"])
