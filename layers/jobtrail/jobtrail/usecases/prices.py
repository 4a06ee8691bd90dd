"""Hourly prices of SageMaker instances, as job costs need them: the ``JobPrices`` port's implementation.

A price is looked up once per (instance type, region, usage) and kept at three levels:

1. in memory, per container, for the day;
2. in the history table (``PriceCacheStore``: ``PRICE#<region>#<usage>#<type>``), with the time it was looked
   up, so that a new container does not ask again; refreshed when over ``MAX_AGE`` old;
3. the AWS Price List (``ListPrices``: one ``pricing:GetProducts``).

Then the price settings (``core.price_settings``: negotiated prices, a discount) apply; an overridden price
needs no lookup. Nothing here raises into a sync: a lookup that fails (throttled, denied, the API
unreachable, the table unreadable) is logged and counted (``PriceLookupFailures``), the last price known is
used if there is one, and otherwise the price is not found *yet* (``core.cost.PriceUnavailable``), as it is
while the price settings are invalid (``PriceSettingsInvalid``: a cost priced at list when the organization
pays less would be stored wrong). The job's cost is then stored unknown, and the sync puts the job on the
table's unpriced list (``usecases.sync``); the next reconciliation pass (``ReconcileSchedule``, every 15
minutes by default) prices it again and writes its cost (``usecases.reconcile``). A failed lookup is not
tried again by the same container for ``RETRY_AFTER`` (10 minutes). That the Price List lists no price
(``None``) is an answer, kept like a price: such a job's cost stays unknown, and is not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from jobtrail.core.cost import CachedPrice, HourlyPrice, PriceUnavailable, Usage
from jobtrail.core.price_settings import PriceSettings, PriceSettingsError
from jobtrail.observability import MetricUnit, logger, metrics
from jobtrail.usecases.ports import ListPrices, PriceCacheStore, PriceSettingsSource

#: A price older than this is looked up again.
MAX_AGE: Final = timedelta(days=1)
#: A lookup that failed is not tried again by the same container before this: shorter than the default
#: ``ReconcileSchedule`` (15 minutes), so that a warm reconciliation container tries again at every pass.
RETRY_AFTER: Final = timedelta(minutes=10)

_Key = tuple[str, Usage, str]  # (region, usage, instance type)


class FixedPriceSettings:
    """Price settings given as they are (none at all, or a document already read)."""

    def __init__(self, settings: PriceSettings | None = None) -> None:
        self._settings = settings or PriceSettings()

    def load(self) -> PriceSettings:
        return self._settings


class _Remembered(msgspec.Struct):
    price: CachedPrice | None
    retry_at: datetime | None = None


class PriceBook(msgspec.Struct):
    """The ``JobPrices`` port: memory, then the table's cache, then the Price List; then the settings.

    ``cache`` None keeps no price in the table; ``price_list`` None asks no API (the prices the cache and
    the settings have, only); ``settings`` None: list prices as they are.
    """

    price_list: ListPrices | None
    cache: PriceCacheStore | None
    settings: PriceSettingsSource | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _memory: dict[_Key, _Remembered] = msgspec.field(default_factory=dict)

    def price(self, instance_type: str, region: str, usage: Usage) -> HourlyPrice | PriceUnavailable | None:
        """What one ``instance_type`` instance costs per hour for ``usage`` in ``region``; ``None`` when
        the Price List lists no price for it (and the settings set none); ``PriceUnavailable`` when it
        cannot be found now (no answer from the Price List yet, invalid settings: logged). Never raises."""
        try:
            settings = self.settings.load() if self.settings else PriceSettings()
        except PriceSettingsError as error:
            logger.warning("price settings not usable; costs wait", extra={"error": str(error)})
            metrics.add_metric(name="PriceSettingsInvalid", unit=MetricUnit.Count, value=1)
            return PriceUnavailable("the price settings are invalid")
        overridden = settings.override(instance_type, region, usage)
        if overridden is not None:
            return overridden
        listed = self.list_price(instance_type, region, usage)
        if listed is None:
            return PriceUnavailable("the Price List did not answer")
        return settings.price(instance_type, region, usage, listed.usd_per_hour)

    def list_price(self, instance_type: str, region: str, usage: Usage) -> CachedPrice | None:
        """The Price List's answer as last looked up (at most ``MAX_AGE`` ago while it answers; its
        ``usd_per_hour`` ``None`` when it lists none), or ``None`` when it never answered."""
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
        return remembered.price

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
