"""botocore's ``sagemaker`` service model, as the fixtures use it: shapes, member order, and a strict check.

boto3 returns a response's members in whatever order the service sent them; the AWS CLI (and so every
public sample) prints them in the model's order, and so do the fixtures (``in_model_order``).

``botocore.stub.Stubber`` validates a canned response against the model, but only its types, required and
unknown members: it accepts an enum value the model does not list, a string over its maximum length and a
name outside its pattern. ``problems`` checks those too, so a fixture cannot hold what SageMaker never
returns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StringShape, StructureShape


@functools.cache
def service_model() -> ServiceModel:
    """The installed botocore's ``sagemaker`` model (2017-07-24)."""
    return botocore.session.get_session().get_service_model("sagemaker")


@functools.cache
def output_shape(operation: str) -> StructureShape:
    """The output structure of ``operation`` (``"DescribeProcessingJob"``)."""
    shape = service_model().operation_model(operation).output_shape
    if not isinstance(shape, StructureShape):
        raise TypeError(f"botocore's sagemaker model has no {operation} output structure")
    return shape


def structure(name: str) -> StructureShape:
    """A structure shape by its model name (``"PipelineExecutionStep"``)."""
    shape = service_model().shape_for(name)
    if not isinstance(shape, StructureShape):
        raise TypeError(f"{name} is not a structure in botocore's sagemaker model")
    return shape


def in_model_order(value: Any, shape: Shape) -> Any:
    """``value`` with the members of every structure in it in the model's order (maps and lists keep
    theirs). Raises ``KeyError`` naming a member the model does not define."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        unknown = set(value) - set(shape.members)
        if unknown:
            raise KeyError(f"not {shape.name} members: {sorted(unknown)}")
        return {
            name: in_model_order(value[name], member)
            for name, member in shape.members.items()
            if name in value
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [in_model_order(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        return {key: in_model_order(item, shape.value) for key, item in value.items()}
    return value


def problems(value: Any, shape: Shape, path: str = "$") -> list[str]:
    """What in ``value`` (a response as boto3 returns it) the model forbids: unknown or missing members,
    wrong types, enum values it does not list, lengths and ranges outside its limits, strings outside its
    pattern. Empty when the value is valid.

    A pattern is a search (the model's patterns are not anchored), except one that starts with ``^``, which
    must match the whole string: SageMaker's name rules are written that way and mean the whole name.
    """
    found: list[str] = []
    _check(value, shape, path, found)
    return found


def check(value: Any, shape: Shape, what: str) -> None:
    """Raise ``ValueError`` listing every problem of ``value``; ``what`` names it in the message."""
    found = problems(value, shape)
    if found:
        raise ValueError(f"{what} is not valid for botocore's model: " + "; ".join(found))


def _check(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    if isinstance(shape, StructureShape):
        _check_structure(value, shape, path, found)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            found.append(f"{path}: must be a list")
            return
        _check_range(len(value), shape, path, found, "items")
        for position, item in enumerate(value):
            _check(item, shape.member, f"{path}[{position}]", found)
    elif isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            found.append(f"{path}: must be a map")
            return
        _check_range(len(value), shape, path, found, "entries")
        for key, item in value.items():
            _check(key, shape.key, f"{path}[{key!r}]", found)
            _check(item, shape.value, f"{path}[{key!r}]", found)
    elif shape.type_name == "string":
        _check_string(value, shape, path, found)
    else:
        _check_scalar(value, shape, path, found)


def _check_structure(value: Any, shape: StructureShape, path: str, found: list[str]) -> None:
    if not isinstance(value, Mapping):
        found.append(f"{path}: {shape.name} must be an object")
        return
    found.extend(f"{path}.{name}: not a member of {shape.name}" for name in set(value) - set(shape.members))
    found.extend(
        f"{path}.{name}: required by {shape.name}" for name in shape.required_members if name not in value
    )
    for name, item in value.items():
        if name in shape.members:
            _check(item, shape.members[name], f"{path}.{name}", found)


#: Each scalar type: the Python type boto3 returns for it, and what to call it.
_SCALARS: dict[str, tuple[type, str]] = {
    "integer": (int, "an integer"),
    "long": (int, "an integer"),
    "float": (float, "a float (boto3 returns floats)"),
    "double": (float, "a float (boto3 returns floats)"),
    "boolean": (bool, "a boolean"),
    "timestamp": (datetime, "an aware datetime"),
}


def _check_scalar(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    expected, called = _SCALARS.get(shape.type_name, (object, "anything"))
    wrong_type = not isinstance(value, expected) or (expected is int and isinstance(value, bool))
    if wrong_type or (expected is datetime and value.utcoffset() is None):
        found.append(f"{path}: must be {called}, not {value!r}")
    elif expected is int:
        _check_range(value, shape, path, found, "")


def _check_string(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    if not isinstance(value, str):
        found.append(f"{path}: must be a string, not {type(value).__name__}")
        return
    assert isinstance(shape, StringShape)
    if shape.enum and value not in shape.enum:
        found.append(f"{path}: {value!r} is not one of {shape.name}'s values")
    _check_range(len(value), shape, path, found, "characters")
    pattern = shape.metadata.get("pattern")
    if pattern is not None:
        compiled = _compiled(pattern)
        matched = compiled.fullmatch(value) if pattern.startswith("^") else compiled.search(value)
        if matched is None:
            found.append(f"{path}: {value!r} does not match {shape.name}'s pattern {pattern}")


def _check_range(size: int, shape: Shape, path: str, found: list[str], unit: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        found.append(f"{path}: {size} {unit} is under {shape.name}'s minimum {low}".replace("  ", " "))
    if high is not None and size > high:
        found.append(f"{path}: {size} {unit} is over {shape.name}'s maximum {high}".replace("  ", " "))


#: The Unicode property classes the model's patterns use (tags: ``[\p{L}\p{Z}\p{N}_.:/=+\-@]``), which
#: Python's ``re`` lacks, as the characters they stand for inside a class: ``\w`` is letters, numbers and
#: ``_``, so ``\p{L}`` and ``\p{N}`` may each become it; ``\p{Z}`` is the space and line separators.
_PROPERTY_CLASSES = {
    r"\p{L}": r"\w",
    r"\p{N}": r"\w",
    r"\p{Z}": "\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
}


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    for prop, characters in _PROPERTY_CLASSES.items():
        pattern = pattern.replace(prop, characters)
    return re.compile(pattern, re.DOTALL)
