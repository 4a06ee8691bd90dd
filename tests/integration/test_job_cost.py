"""Prices and job costs through the real adapters: the Price List answered by botocore's ``Stubber`` from
``events/pricing`` (each answer valid for botocore's ``pricing`` model), the price cache in the history
table (moto and DynamoDB Local), and the cost stored by a sync in the summary's one write."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import kind_samples
import pytest
from botocore.stub import Stubber
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.history_table import PriceCache
from jobtrail.adapters.pricing import (
    PriceList,
    PriceListAmbiguous,
    get_products_request,
    hourly_list_price,
    pricing_region,
)
from jobtrail.adapters.sagemaker import record_from_describe
from jobtrail.core.cost import CachedPrice, HourlyPrice, PriceUnavailable
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Alert, HistoryChanges, JobCost, JobRecord
from jobtrail.core.price_settings import parse_price_settings
from jobtrail.usecases.prices import FixedPriceSettings, PriceBook
from jobtrail.usecases.sync import SyncDeps, sync_job
from jobtrail_local.price_list import StubbedPricing, exchanges

from tests.conftest import TableTarget

PRICING = Path(__file__).resolve().parents[2] / "events" / "pricing"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def pricing_file(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PRICING / name).read_text(encoding="utf-8"))
    return document


def pricing_client() -> Any:
    return boto3.client("pricing", region_name="us-east-1")


def stubbed(*names: str) -> StubbedPricing:
    return StubbedPricing(pricing_client(), [pricing_file(name) for name in names or ("us-east-1.json",)])


# -- the Price List adapter -----------------------------------------------------------------------------


def test_the_request_filters_on_instance_usage_and_region() -> None:
    # Given a Stubber that expects exactly this request (written out here, not built by the adapter)
    client = pricing_client()
    answer = exchanges(pricing_file("us-east-1.json"))[0]["response"]
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_products",
            answer,
            {
                "ServiceCode": "AmazonSageMaker",
                "Filters": [
                    {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.g5.2xlarge"},
                    {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
                    {"Type": "TERM_MATCH", "Field": "platoinstancetype", "Value": "Training"},
                ],
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            },
        )
        # When the adapter asks for the price / Then it sent that request and read $1.515
        assert PriceList(client).hourly("ml.g5.2xlarge", "us-east-1", "Training") == Decimal("1.515")
        stubber.assert_no_pending_responses()


def test_only_the_hourly_price_of_that_usage_counts() -> None:
    # Given an answer that also lists the type's Processing product and a fee by the quantity
    texts = exchanges(pricing_file("mixed-products.json"))[0]["response"]["PriceList"]
    assert len(texts) == 3
    # Then the Training hourly price is the one read
    assert hourly_list_price(texts, "ml.p4d.24xlarge", "us-east-1", "Training") == Decimal("25.251")
    assert hourly_list_price(texts, "ml.p4d.24xlarge", "eu-west-1", "Training") is None


def test_two_different_hourly_prices_are_refused() -> None:
    texts = exchanges(pricing_file("mixed-products.json"))[0]["response"]["PriceList"]
    document = json.loads(texts[-1])
    (term,) = document["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    dimension["pricePerUnit"]["USD"] = "30.0000000000"
    with pytest.raises(PriceListAmbiguous, match="several hourly prices"):
        hourly_list_price([*texts, json.dumps(document)], "ml.p4d.24xlarge", "us-east-1", "Training")


def test_the_endpoint_nearest_the_region() -> None:
    assert [pricing_region(r) for r in ("us-west-2", "eu-west-1", "ap-northeast-1", "sa-east-1")] == [
        "us-east-1",
        "eu-central-1",
        "ap-south-1",
        "us-east-1",
    ]


def test_every_fixture_answer_is_valid_for_botocores_model() -> None:
    # Each exchange goes through a Stubber, which validates the answer against the pricing model
    for name in ("us-east-1.json", "mixed-products.json"):
        for exchange in exchanges(pricing_file(name)):
            client = pricing_client()
            with Stubber(client) as stubber:
                stubber.add_response("get_products", exchange["response"], exchange["request"])
                assert client.get_products(**exchange["request"])["PriceList"]
            assert exchange["request"] == get_products_request(
                exchange["request"]["Filters"][0]["Value"],
                exchange["request"]["Filters"][1]["Value"],
                exchange["request"]["Filters"][2]["Value"],
            )


# -- the price book: memory, the table's cache, the Price List, the settings ----------------------------


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def test_looked_up_once_then_from_the_table_then_again_a_day_later(history_table: TableTarget) -> None:
    store = HistoryStore(history_table.name, region=history_table.region, host=history_table.endpoint_url)
    clock = Clock()
    pricing = stubbed()
    # Given a container's price book
    first = PriceBook(PriceList(pricing), PriceCache(store.table), clock=clock)
    # When it prices ml.g5.2xlarge twice / Then it asks the Price List once and keeps the answer in the table
    assert first.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.515"))
    assert first.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.515"))
    assert pricing.calls == 1
    assert PriceCache(store.table).get("us-east-1", "Training", "ml.g5.2xlarge") == CachedPrice(
        Decimal("1.515"), NOW
    )
    # And a new container reads the table, not the Price List
    second = PriceBook(PriceList(pricing), PriceCache(store.table), clock=clock)
    assert second.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.515"))
    assert pricing.calls == 1
    # And a day later the price is looked up again
    clock.now = NOW + timedelta(days=1, seconds=1)
    assert second.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.515"))
    assert pricing.calls == 2


def test_a_type_the_price_list_does_not_list_is_cached_as_unknown(history_table: TableTarget) -> None:
    store = HistoryStore(history_table.name, region=history_table.region, host=history_table.endpoint_url)
    pricing = stubbed()
    book = PriceBook(PriceList(pricing), PriceCache(store.table), clock=Clock())
    assert book.price("ml.trn1.32xlarge", "us-east-1", "Training") is None
    assert book.price("ml.trn1.32xlarge", "us-east-1", "Training") is None
    assert pricing.calls == 1
    assert PriceCache(store.table).get("us-east-1", "Training", "ml.trn1.32xlarge") == CachedPrice(None, NOW)


@dataclass
class FailingPriceList:
    calls: int = 0
    errors: list[Exception] = field(default_factory=list)

    def hourly(self, instance_type: str, region: str, usage: str) -> Decimal | None:
        self.calls += 1
        client = pricing_client()
        with Stubber(client) as stubber:
            stubber.add_client_error("get_products", "ThrottlingException", "Rate exceeded", 400)
            return PriceList(client).hourly(instance_type, region, "Training")


def test_a_failed_lookup_never_raises_and_waits_before_trying_again() -> None:
    clock = Clock()
    failing = FailingPriceList()
    book = PriceBook(failing, None, clock=clock)
    # A price not found yet (not a price the Price List lacks): later may find it
    not_yet = PriceUnavailable("the Price List did not answer")
    assert book.price("ml.g5.2xlarge", "us-east-1", "Training") == not_yet
    assert book.price("ml.g5.2xlarge", "us-east-1", "Training") == not_yet
    assert failing.calls == 1
    # Asked again 10 minutes later (RETRY_AFTER): before the next reconciliation pass, 15 minutes on
    clock.now = NOW + timedelta(minutes=10)
    assert book.price("ml.g5.2xlarge", "us-east-1", "Training") == not_yet
    assert failing.calls == 2


def test_a_failed_refresh_keeps_the_last_price_known(moto_table: TableTarget) -> None:
    store = HistoryStore(moto_table.name, region=moto_table.region)
    cache = PriceCache(store.table)
    cache.put("us-east-1", "Training", "ml.g5.2xlarge", CachedPrice(Decimal("1.5"), NOW - timedelta(days=3)))
    book = PriceBook(FailingPriceList(), cache, clock=Clock())
    assert book.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.5"))


def test_an_override_needs_no_lookup_and_the_discount_applies_to_list_prices() -> None:
    pricing = stubbed()
    settings = parse_price_settings(
        '{"discount_percent": 10, "prices": [{"instance_type": "ml.p4d.24xlarge", "usd_per_hour": "20"}]}'
    )
    book = PriceBook(PriceList(pricing), None, FixedPriceSettings(settings), clock=Clock())
    assert book.price("ml.p4d.24xlarge", "us-east-1", "Training") == HourlyPrice(Decimal(20), "override")
    assert pricing.calls == 0
    # 10 % off $1.515 = $1.3635
    assert book.price("ml.g5.2xlarge", "us-east-1", "Training") == HourlyPrice(Decimal("1.3635"), "list -10%")


# -- a sync stores the cost in the summary's one write ------------------------------------------------


@dataclass
class OneAnswer:
    record: JobRecord

    def describe(self, key: JobKey) -> JobRecord | None:
        return self.record


class CountingStore(HistoryStore):
    applied: list[HistoryChanges]

    def apply(self, changes: HistoryChanges, **kwargs: Any) -> tuple[Alert, ...]:
        self.applied = [*getattr(self, "applied", []), changes]
        return super().apply(changes, **kwargs)


def test_the_sync_stores_the_cost_with_the_summary(history_table: TableTarget) -> None:
    store = CountingStore(history_table.name, region=history_table.region, host=history_table.endpoint_url)
    pricing = stubbed()
    prices = PriceBook(PriceList(pricing), PriceCache(store.table), clock=Clock())
    # Given a completed managed-spot job: billable 1500 s of 4000 s on one ml.g5.12xlarge ($7.09/h)
    record = record_from_describe(kind_samples.training("spot-job", NOW, like="spot-interrupted"))
    deps = SyncDeps(jobs=OneAnswer(record), histories=store, alerts=None, prices=prices)
    # When it is synced twice
    sync_job(record.key, deps)
    sync_job(record.key, deps)
    # Then one write stored it, with its cost: 1500 x 7.09 / 3600 = $2.954166... -> 2.954167,
    # spot saved 2500 x 7.09 / 3600 = $4.923611...
    assert len(store.applied) == 1
    stored = store.load(record.key)
    assert stored is not None
    assert stored.summary.cost == JobCost(
        usd=Decimal("2.954167"),
        spot_savings_usd=Decimal("4.923611"),
        hourly=(("ml.g5.12xlarge", Decimal("7.09")),),
        basis="list",
    )
    assert pricing.calls == 1


def test_a_price_not_known_leaves_the_cost_unknown_and_the_next_sync_fills_it_in(
    moto_table: TableTarget,
) -> None:
    store = HistoryStore(moto_table.name, region=moto_table.region)
    record = record_from_describe(kind_samples.training("late-price", NOW))
    clock = Clock()
    failing = PriceBook(FailingPriceList(), PriceCache(store.table), clock=clock)
    sync_job(record.key, SyncDeps(jobs=OneAnswer(record), histories=store, alerts=None, prices=failing))
    stored = store.load(record.key)
    assert stored is not None
    assert stored.summary.cost == JobCost(
        usd=None,
        reason="no Training price for ml.p3.2xlarge in us-east-1 yet (the Price List did not answer)",
    )
    working = PriceBook(PriceList(stubbed()), PriceCache(store.table), clock=clock)
    sync_job(record.key, SyncDeps(jobs=OneAnswer(record), histories=store, alerts=None, prices=working))
    stored = store.load(record.key)
    # 6501 s x $3.825/h = 24866.325 / 3600 = $6.9073125, to the millionth half to even: 6.907312
    assert stored is not None
    assert stored.summary.cost is not None
    assert stored.summary.cost.usd == Decimal("6.907312")
