"""The AWS Price List Query API and the price settings document: the adapters of the ``ListPrices`` and
``PriceSettingsSource`` ports (``usecases.prices.PriceBook`` caches them).

``PriceList.hourly`` is one ``pricing:GetProducts`` on ``ServiceCode=AmazonSageMaker`` with ``TERM_MATCH``
filters on ``instanceName``, ``regionCode`` and ``platoinstancetype`` (the usage: ``Training``,
``Processing``, ``BatchTransform``): the product's on-demand hourly price in USD. The API answers in
us-east-1, eu-central-1 and ap-south-1 only (``pricing_region``). ``SsmPriceSettings`` reads the price
settings (``core.price_settings``) from an SSM parameter. Both raise what goes wrong; the use case decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from botocore.config import Config

from jobtrail.adapters.ssm_document import DocumentUnreadable, SsmDocument
from jobtrail.core.cost import Usage
from jobtrail.core.price_settings import (
    PriceSettings,
    PriceSettingsError,
    PriceSettingsUnreadable,
    parse_price_settings,
)

SERVICE_CODE: Final = "AmazonSageMaker"
#: The regions whose endpoint serves the Price List Query API.
PRICING_REGIONS: Final = ("us-east-1", "eu-central-1", "ap-south-1")
#: Seconds the price settings document is kept before it is read again.
SETTINGS_MAX_AGE: Final = 300
#: A product is priced by the hour.
HOURLY_UNITS: Final = frozenset({"Hrs", "Hours", "hrs", "hours"})
#: The client the adapter expects: a slow Price List costs a sync a few seconds, never its Lambda time.
CLIENT_CONFIG: Final = Config(
    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5
)


def pricing_region(region: str) -> str:
    """The Price List endpoint nearest ``region`` (Europe: eu-central-1; Asia Pacific, the Middle East,
    Africa: ap-south-1; elsewhere us-east-1). Any of the three answers for every region."""
    if region.startswith("eu-"):
        return "eu-central-1"
    if region.startswith(("ap-", "me-", "af-", "il-")):
        return "ap-south-1"
    return "us-east-1"


def get_products_request(instance_type: str, region: str, usage: Usage) -> dict[str, Any]:
    """The GetProducts request for one instance type's price for ``usage`` in ``region``."""
    return {
        "ServiceCode": SERVICE_CODE,
        "Filters": [
            {"Type": "TERM_MATCH", "Field": "instanceName", "Value": instance_type},
            {"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
            {"Type": "TERM_MATCH", "Field": "platoinstancetype", "Value": usage},
        ],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }


class PriceListAmbiguous(ValueError):
    """The Price List gave several hourly prices for one instance type, usage and region."""


def hourly_list_price(
    price_list: Sequence[str], instance_type: str, region: str, usage: Usage
) -> Decimal | None:
    """The on-demand hourly price in USD among ``price_list`` (GetProducts' JSON strings) for exactly this
    instance type, region and usage; ``None`` if none. Other products and dimensions (Outposts, a fee by
    the quantity) are left out; ``PriceListAmbiguous`` if different hourly prices remain."""
    found: set[Decimal] = set()
    for text in price_list:
        document = json.loads(text)
        attributes = (document.get("product") or {}).get("attributes") or {}
        if (
            attributes.get("instanceName") != instance_type
            or attributes.get("regionCode") != region
            or attributes.get("platoinstancetype") != usage
            or attributes.get("locationType", "AWS Region") != "AWS Region"
        ):
            continue
        for term in ((document.get("terms") or {}).get("OnDemand") or {}).values():
            for dimension in (term.get("priceDimensions") or {}).values():
                usd = (dimension.get("pricePerUnit") or {}).get("USD")
                if dimension.get("unit") not in HOURLY_UNITS or usd is None:
                    continue
                try:
                    price = Decimal(usd)
                except InvalidOperation:
                    continue
                if price.is_finite() and price > 0:
                    found.add(price.normalize())
    if len(found) > 1:
        prices = ", ".join(f"{price:f}" for price in sorted(found))
        raise PriceListAmbiguous(f"{instance_type} {usage} in {region}: several hourly prices ({prices})")
    return next(iter(found), None)


class PriceList:
    """The Price List Query API (one GetProducts per lookup, a second page only if it says there is one)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def hourly(self, instance_type: str, region: str, usage: Usage) -> Decimal | None:
        """The list price, or ``None`` when the Price List has none; raises on API errors."""
        request = get_products_request(instance_type, region, usage)
        texts: list[str] = []
        for _page in range(3):
            answer = self._client.get_products(**request)
            texts.extend(answer.get("PriceList") or ())
            if not answer.get("NextToken"):
                break
            request["NextToken"] = answer["NextToken"]
        return hourly_list_price(texts, instance_type, region, usage)


class SsmPriceSettings:
    """The price settings document in the SSM parameter ``name`` (``adapters.ssm_document``: kept
    ``SETTINGS_MAX_AGE`` seconds); ``client`` makes the ``ssm`` client when it is first read."""

    def __init__(self, client: Callable[[], Any], name: str, *, max_age: int = SETTINGS_MAX_AGE) -> None:
        self.name = name
        self._document = SsmDocument(client, name, parse_price_settings, PriceSettingsError, max_age=max_age)

    def load(self) -> PriceSettings:
        """The settings; ``PriceSettingsUnreadable`` or ``PriceSettingsError`` (one line, naming the
        parameter) otherwise."""
        try:
            return self._document.load()
        except DocumentUnreadable as error:
            raise PriceSettingsUnreadable(str(error)) from error
        except PriceSettingsError as error:
            raise PriceSettingsError(f"SSM parameter {self.name}: {error}") from None
