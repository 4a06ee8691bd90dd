"""The AWS Price List Query API's answers, built: what ``pricing:GetProducts`` returns for a SageMaker
instance's hourly price, in its real shape (``PriceList``: a list of JSON *strings*, each a product with its
``product.attributes`` and its ``terms.OnDemand…priceDimensions…pricePerUnit.USD``).

``events/generate.py`` writes ``events/pricing/`` from these; the tests and the demo answer the real
adapter (``jobtrail.adapters.pricing``) with them through botocore's ``Stubber``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

#: The Price List's usage-type code for each usage (``USE1-Train:ml.g5.2xlarge``, ``…-Tsform:…``).
USAGE_TYPE_CODES: Final = {"Training": "Train", "Processing": "Processing", "BatchTransform": "Tsform"}
#: Region codes as the Price List names and prefixes them.
LOCATIONS: Final = {
    "us-east-1": ("US East (N. Virginia)", "USE1"),
    "us-west-2": ("US West (Oregon)", "USW2"),
    "eu-west-1": ("EU (Ireland)", "EU"),
}
#: The Price List's standard on-demand offer term and hourly rate codes.
ON_DEMAND_TERM: Final = "JRTCKXETXF"
HOURLY_RATE: Final = "6YS6EN2CT7"
PUBLISHED: Final = "2026-11-01T00:00:00Z"
#: The recorded exchanges (``events/generate.py`` writes them).
PRICING_DIR: Final = Path(__file__).resolve().parents[2] / "events" / "pricing"


@dataclass(frozen=True, slots=True)
class ListedPrice:
    """One instance type's hourly list price for one usage in one region (a spec line)."""

    instance_type: str
    region: str
    usage: str
    usd_per_hour: str
    #: Another dimension the product also lists (a unit other than hours), as the Price List sometimes does.
    unit: str = "Hrs"


def sku(price: ListedPrice) -> str:
    """A stable SKU for a spec line (16 upper-case letters and digits, like the Price List's)."""
    digest = hashlib.sha256(f"{price.region}|{price.usage}|{price.instance_type}|{price.unit}".encode())
    return base64.b32encode(digest.digest()).decode()[:16]


def product(price: ListedPrice) -> dict[str, Any]:
    """The Price List's product document for ``price``."""
    location, prefix = LOCATIONS[price.region]
    code = sku(price)
    usage_type = f"{prefix}-{USAGE_TYPE_CODES[price.usage]}:{price.instance_type}"
    return {
        "product": {
            "productFamily": "ML Instance",
            "attributes": {
                "regionCode": price.region,
                "servicecode": "AmazonSageMaker",
                "usagetype": usage_type,
                "locationType": "AWS Region",
                "location": location,
                "servicename": "Amazon SageMaker",
                "instanceName": price.instance_type,
                "operation": "RunInstance",
                "platoinstancetype": price.usage,
            },
            "sku": code,
        },
        "serviceCode": "AmazonSageMaker",
        "terms": {
            "OnDemand": {
                f"{code}.{ON_DEMAND_TERM}": {
                    "priceDimensions": {
                        f"{code}.{ON_DEMAND_TERM}.{HOURLY_RATE}": {
                            "unit": price.unit,
                            "endRange": "Inf",
                            "description": f"${price.usd_per_hour} per {price.usage} {price.instance_type} "
                            f"instance hour in {location}",
                            "appliesTo": [],
                            "rateCode": f"{code}.{ON_DEMAND_TERM}.{HOURLY_RATE}",
                            "beginRange": "0",
                            "pricePerUnit": {"USD": f"{float(price.usd_per_hour):.10f}"},
                        }
                    },
                    "sku": code,
                    "effectiveDate": PUBLISHED,
                    "offerTermCode": ON_DEMAND_TERM,
                    "termAttributes": {},
                }
            }
        },
        "version": "20261101000000",
        "publicationDate": PUBLISHED,
    }


def get_products_response(prices: Iterable[ListedPrice]) -> dict[str, Any]:
    """A GetProducts answer listing ``prices``' products (each a JSON string, as the API sends them)."""
    return {
        "FormatVersion": "aws_v1",
        "PriceList": [json.dumps(product(price), separators=(",", ":")) for price in prices],
    }


def exchanges(file: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """The request/response pairs of an ``events/pricing/*.json`` file."""
    found = file["exchanges"]
    if not isinstance(found, list):
        raise TypeError("an events/pricing file holds a list of exchanges")
    return found


def _request_key(request: Mapping[str, Any]) -> str:
    return json.dumps(request, sort_keys=True)


class StubbedPricing:
    """A ``pricing`` client whose GetProducts answers come from ``events/pricing`` exchanges, through
    botocore's ``Stubber`` (so each answer is checked against botocore's model, and each request against
    the one the exchange expects), in whatever order they are asked. A request no exchange holds gets the
    Price List's answer for a product it does not list: an empty ``PriceList``.

    ``client`` is a ``pricing`` client (any credentials: nothing leaves the process); ``calls`` counts the
    GetProducts calls made.
    """

    def __init__(self, client: Any, files: Iterable[Mapping[str, Any]]) -> None:
        from botocore.stub import Stubber  # noqa: PLC0415 - test tooling, loaded when used

        self._client = client
        self._stubber = Stubber(client)
        self._stubber.activate()
        self._answers = {
            _request_key(exchange["request"]): exchange["response"]
            for file in files
            for exchange in exchanges(file)
        }
        self.calls = 0

    def get_products(self, **request: Any) -> Any:
        response = self._answers.get(_request_key(request), {"FormatVersion": "aws_v1", "PriceList": []})
        self._stubber.add_response("get_products", response, expected_params=request)
        self.calls += 1
        return self._client.get_products(**request)


def pricing_files() -> list[dict[str, Any]]:
    """Every ``events/pricing/*.json`` file, parsed."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(PRICING_DIR.glob("*.json"))]


def fixture_pricing(client: Any) -> StubbedPricing:
    """``client`` (a ``pricing`` client) answering from ``events/pricing``: the demo's and the tests'
    Price List."""
    return StubbedPricing(client, pricing_files())
