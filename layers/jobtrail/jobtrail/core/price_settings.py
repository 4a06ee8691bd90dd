"""Negotiated rates: the price settings document, the one place where list prices are overridden.

The AWS Price List shows public list prices. An organization with a private pricing agreement, an
Enterprise Discount or a Savings Plan keeps its rates in one JSON document, in the SSM parameter the stack
names (``PriceSettingsParameterName``; ``jobtrail cost check`` validates a document before it is put)::

    {"discount_percent": 12.5,
     "prices": [
        {"instance_type": "ml.p4d.24xlarge", "usd_per_hour": "24.10"},
        {"instance_type": "ml.g5.2xlarge", "usage": "Training", "region": "eu-west-1", "usd_per_hour": 1.40}
     ]}

- ``discount_percent`` (0 to less than 100, default 0) takes that share off every list price;
- ``prices`` set an instance type's hourly price outright, for every usage and region unless ``usage``
  (``Training``, ``Processing``, ``BatchTransform``) or ``region`` narrow it; the most specific entry
  wins (region and usage, then region, then usage, then neither), and the discount does not apply to it.
  An overridden price needs no Price List lookup.

``parse_price_settings`` refuses a document it cannot use, in one line naming the entry
(``prices[1]: usd_per_hour must be more than 0``). Pure: no AWS, no I/O.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

import msgspec

from jobtrail.core.cost import USAGE_NAMES, HourlyPrice, Usage, discounted

_INSTANCE_TYPE: Final = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9-]+")
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")


class PriceSettingsError(ValueError):
    """The price settings document cannot be used; the message says why in one line."""


class PriceSettingsUnreadable(PriceSettingsError):
    """The price settings document could not be read (the parameter is missing, access was denied…)."""


class PriceOverride(msgspec.Struct, frozen=True):
    """An instance type's hourly price, for one usage and region or for all."""

    instance_type: str
    usd_per_hour: Decimal
    usage: Usage | None = None
    region: str | None = None

    def applies(self, instance_type: str, region: str, usage: Usage) -> bool:
        return (
            self.instance_type == instance_type
            and self.usage in (None, usage)
            and self.region in (None, region)
        )

    @property
    def specificity(self) -> int:
        return (2 if self.region else 0) + (1 if self.usage else 0)


class PriceSettings(msgspec.Struct, frozen=True):
    """A valid price settings document (the empty one: list prices as they are)."""

    discount_percent: Decimal = Decimal(0)
    overrides: tuple[PriceOverride, ...] = ()

    def override(self, instance_type: str, region: str, usage: Usage) -> HourlyPrice | None:
        """The price set for this instance type, usage and region (the most specific entry), if any."""
        found = [entry for entry in self.overrides if entry.applies(instance_type, region, usage)]
        if not found:
            return None
        best = max(found, key=lambda entry: entry.specificity)
        return HourlyPrice(best.usd_per_hour, "override")

    def price(
        self, instance_type: str, region: str, usage: Usage, list_price: Decimal | None
    ) -> HourlyPrice | None:
        """The price a job pays: an override, else the list price less the discount; ``None`` when
        neither is known."""
        overridden = self.override(instance_type, region, usage)
        if overridden is not None:
            return overridden
        return None if list_price is None else discounted(list_price, self.discount_percent)


class _PriceDoc(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    instance_type: str
    usd_per_hour: Decimal
    usage: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if not _INSTANCE_TYPE.fullmatch(self.instance_type):
            raise ValueError(
                f"instance_type must be a SageMaker instance type such as ml.g5.2xlarge, not "
                f"{self.instance_type!r}"
            )
        if not self.usd_per_hour.is_finite() or self.usd_per_hour <= 0:
            raise ValueError(f"usd_per_hour must be more than 0, not {self.usd_per_hour}")
        if self.usage is not None and self.usage not in USAGE_NAMES:
            raise ValueError(f"usage must be one of {', '.join(USAGE_NAMES)}, not {self.usage!r}")
        if self.region is not None and not _REGION.fullmatch(self.region):
            raise ValueError(f"region must be a region code such as us-east-1, not {self.region!r}")


class _Document(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    discount_percent: Decimal = Decimal(0)
    prices: list[_PriceDoc] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.discount_percent.is_finite() or not 0 <= self.discount_percent < 100:
            raise ValueError(f"discount_percent must be from 0 to less than 100, not {self.discount_percent}")
        seen: set[tuple[str, str | None, str | None]] = set()
        for index, entry in enumerate(self.prices):
            key = (entry.instance_type, entry.usage, entry.region)
            if key in seen:
                raise ValueError(f"prices[{index}] sets {entry.instance_type}'s price a second time")
            seen.add(key)


_MESSAGE: Final = re.compile(r"(?s)(?P<what>.*?)(?: - at `\$\.?(?P<path>.*)`)?")


def parse_price_settings(text: str) -> PriceSettings:
    """The document in ``text`` (JSON; blank: no settings), or ``PriceSettingsError`` in one line."""
    if not text.strip():
        return PriceSettings()
    try:
        document = msgspec.json.decode(text, type=_Document)
    except msgspec.ValidationError as error:
        parts = _MESSAGE.fullmatch(str(error))
        what, path = (parts["what"], parts["path"]) if parts else (str(error), None)
        what = re.sub(r"Expected `(.*?)`, got `(.*?)`", r"expected \1, got \2", what)
        line = f"{path}: {what}" if path else what
        raise PriceSettingsError(line.replace("\n", " ")) from None
    except msgspec.DecodeError as error:
        raise PriceSettingsError(f"not JSON: {error}") from None
    return PriceSettings(
        discount_percent=document.discount_percent,
        overrides=tuple(
            PriceOverride(
                instance_type=entry.instance_type,
                usd_per_hour=entry.usd_per_hour,
                usage=None if entry.usage is None else USAGE_NAMES[entry.usage],
                region=entry.region,
            )
            for entry in document.prices
        ),
    )
