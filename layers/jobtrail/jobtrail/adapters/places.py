"""SageMaker and CloudWatch Logs at each job's place: the ``Jobs``, ``JobTags``, ``JobCatalog`` (per place)
and ``JobLogs`` ports for a stack that keeps many accounts' and regions' jobs.

A job's key names its account and region; each request goes to that region's endpoint with that
account's credentials (``member_access.PlaceClients``). The per-place adapters are the single-place ones
(``sagemaker.SageMakerJobs``, ``logs.CloudWatchJobLogs``), one per place, so each place keeps its own
state (the logs' cool-down after throttling).

A member whose role cannot be assumed: a Describe raises ``MemberAccessFailed`` (the record fails and is
retried, then parked); a log tail says why it has no excerpt, as for any unreadable log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobtrail.adapters import logs, sagemaker
from jobtrail.adapters.member_access import ClientAt, MemberAccessFailed, PlaceClients
from jobtrail.core.kinds import JobKey
from jobtrail.core.log_tail import LogTail
from jobtrail.core.model import JobRecord, JobSummary
from jobtrail.core.organization import Place


def place_of(job: JobKey) -> Place:
    return Place(job.account, job.region)


class PlacedSageMaker:
    """``Jobs`` and ``JobTags`` at each job's place; ``at(place)`` is one place's ``JobCatalog``."""

    def __init__(self, clients: PlaceClients) -> None:
        self._clients = clients
        self._places: dict[Place, sagemaker.SageMakerJobs] = {}

    @property
    def home(self) -> Place:
        """The function's own account, in its own region."""
        return self._clients.home

    def at(self, place: Place) -> sagemaker.SageMakerJobs:
        """The SageMaker adapter of one place (its client asked for at each call: live credentials)."""
        found = self._places.get(place)
        if found is None:
            found = sagemaker.SageMakerJobs(
                ClientAt(self._clients, "sagemaker", place, sagemaker.CLIENT_CONFIG)
            )
            self._places[place] = found
        return found

    def describe(self, key: JobKey) -> JobRecord | None:
        return self.at(place_of(key)).describe(key)

    def tags(self, job: JobSummary) -> dict[str, str]:
        return self.at(place_of(job.key)).tags(job)


class PlacedJobLogs:
    """``JobLogs`` at each job's place: one ``CloudWatchJobLogs`` per place."""

    def __init__(
        self, clients: PlaceClients, make: Callable[[Any], logs.CloudWatchJobLogs] = logs.CloudWatchJobLogs
    ):
        self._clients = clients
        self._make = make
        self._places: dict[Place, logs.CloudWatchJobLogs] = {}

    def tail(self, job: JobKey, lines: int) -> LogTail:
        place = place_of(job)
        found = self._places.get(place)
        if found is None:
            found = self._make(ClientAt(self._clients, "logs", place, logs.CLIENT_CONFIG))
            self._places[place] = found
        try:
            return found.tail(job, lines)
        except MemberAccessFailed as failure:
            return LogTail.failed(f"the job's log could not be read: {failure}")
