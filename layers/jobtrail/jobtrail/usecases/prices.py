"""Hourly prices of SageMaker instances, as job costs need them: the ``JobPrices`` port's implementation.

A price is looked up once per (instance type, region, usage) and kept at three levels:

1. in memory, per container, for the day;
2. in the history table (``PriceCacheStore``: ``PRICE#<region>#<usage>#<type>``), with the time it was looked
   up, so that a new container does not ask again; refreshed when over ``MAX_AGE`` old;
3. the AWS Price List (``ListPrices``: one ``pricing:GetProducts``).

Then the price settings (``core.price_settings``: negotiated prices, a discount) apply; an overridden price
needs no lookup. Nothing here raises into a sync: a lookup that fails (throttled, denied, the API
unreachable, the table unreadable) is logged and counted (``PriceLookupFailures``), the last price known is
used if there is one, and otherwise the price is unknown, so the job's cost stays unknown and is filled in
later (its next sync, or the CLI when it reads it). A failed lookup is not tried again by the same container
for ``RETRY_AFTER``. Invalid price settings leave every price unknown (``PriceSettingsInvalid``): a cost
priced at list when the organization pays less would be stored wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

from jobtrail.core.cost import CachedPrice, HourlyPrice, Usage
from jobtrail.core.price_settings import PriceSettings, PriceSettingsError
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import ListPrices, PriceCacheStore, PriceSettingsSource

#: A price older than this is looked up again.
MAX_AGE: Final = timedelta(days=1)
#: A lookup that failed is not tried again by the same container before this.
RETRY_AFTER: Final = timedelta(minutes=15)

_Key = tuple[str, Usage, str]  # (region, usage, instance type)


class FixedPriceSettings:
    """Price settings given as they are (none at all, or a document already read)."""

    def __init__(self, settings: PriceSettings | None = None) -> None:
        self._settings = settings or PriceSettings()

    def load(self) -> PriceSettings:
        return self._settings


@dataclass
class _Remembered:
    price: CachedPrice | None
    retry_at: datetime | None = None


@dataclass
class PriceBook:
    """The ``JobPrices`` port: memory, then the table's cache, then the Price List; then the settings.

    ``cache`` None keeps no price in the table; ``price_list`` None asks no API (the prices the cache and
    the settings have, only); ``settings`` None: list prices as they are.
    """

    price_list: ListPrices | None
    cache: PriceCacheStore | None
    settings: PriceSettingsSource | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _memory: dict[_Key, _Remembered] = field(default_factory=dict)

    def price(self, instance_type: str, region: str, usage: Usage) -> HourlyPrice | None:
        """What one ``instance_type`` instance costs per hour for ``usage`` in ``region``; ``None`` when
        that is not known now (logged). Never raises."""
        try:
            settings = self.settings.load() if self.settings else PriceSettings()
        except PriceSettingsError as error:
            logger.warning("price settings not usable; costs wait", extra={"error": str(error)})
            metrics.add_metric(name="PriceSettingsInvalid", unit=MetricUnit.Count, value=1)
            return None
        overridden = settings.override(instance_type, region, usage)
        if overridden is not None:
            return overridden
        return settings.price(instance_type, region, usage, self.list_price(instance_type, region, usage))

    def list_price(self, instance_type: str, region: str, usage: Usage) -> Decimal | None:
        """The list price as last looked up (at most ``MAX_AGE`` ago while the Price List answers)."""
        now = self.clock()
        key: _Key = (region, usage, instance_type)
        remembered = self._memory.get(key)
        if remembered is None:
            remembered = self._memory[key] = _Remembered(self._read_cache(key))
        fresh = remembered.price is not None and now - remembered.price.looked_up_at < MAX_AGE
        waiting = remembered.retry_at is not None and now < remembered.retry_at
        if not (fresh or waiting or self.price_list is None):
            looked_up = self._look_up(self.price_list, key, now)
            if looked_up is None:
                remembered.retry_at = now + RETRY_AFTER
            else:
                remembered.price, remembered.retry_at = looked_up, None
        return remembered.price.usd_per_hour if remembered.price else None

    def _read_cache(self, key: _Key) -> CachedPrice | None:
        if self.cache is None:
            return None
        try:
            return self.cache.get(*key)
        except Exception as error:  # noqa: BLE001 - a price never holds a history back
            _failed("price cache not read", key, error)
            return None

    def _look_up(self, price_list: ListPrices, key: _Key, now: datetime) -> CachedPrice | None:
        """Ask the Price List and keep its answer in the table; ``None`` when it could not be asked."""
        region, usage, instance_type = key
        try:
            found = CachedPrice(price_list.hourly(instance_type, region, usage), now)
        except Exception as error:  # noqa: BLE001 - a price never holds a history back
            _failed("price not looked up; the cost waits", key, error)
            return None
        if self.cache is not None:
            try:
                self.cache.put(region, usage, instance_type, found)
            except Exception as error:  # noqa: BLE001 - kept in memory for this container anyway
                _failed("price not kept in the table", key, error)
        return found


def _failed(message: str, key: _Key, error: Exception) -> None:
    region, usage, instance_type = key
    logger.warning(
        message,
        extra={
            "instance_type": instance_type,
            "region": region,
            "usage": usage,
            "error": f"{type(error).__name__}: {error}",
        },
    )
    metrics.add_metric(name="PriceLookupFailures", unit=MetricUnit.Count, value=1)
