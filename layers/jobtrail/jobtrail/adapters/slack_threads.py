"""The jobs' Slack threads in the history table (app mode): the ``SlackThreads`` port.

A thread item (``SLACK#<channel>`` in the job's partition, ``history_table``) is created by the claim to
post the job's parent in that channel: one conditional UpdateItem that succeeds only if no parent was
recorded and nobody holds a live claim. The claimer posts, then records the parent's ``ts`` under its
claim. Replies are remembered in the item's ``posted`` set. Every read is a Query (the job's partition,
or its one thread item); every write an UpdateItem: the notifier's role holds these two actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from jobtrail.adapters.history_table import (
    HistoryTable,
    guarded,
    job_pk,
    read_job_and_threads,
    slack_thread_from_item,
    slack_thread_sk,
    store_error,
    transitions_added,
)
from jobtrail.core.kinds import JobKey
from jobtrail.core.model import Claim, StoredJob
from jobtrail.core.slack_route import PostedMessage
from jobtrail.core.slack_thread import SlackThread, TransitionRef


class SlackThreadStore:
    """Reads and writes the Slack threads of jobs in one DynamoDB table.

    ``host`` is an endpoint URL (DynamoDB Local, moto server); without it botocore's usual resolution
    applies, ``AWS_ENDPOINT_URL_DYNAMODB`` included. Makes no call until first used.
    """

    def __init__(self, table_name: str, *, region: str | None = None, host: str | None = None) -> None:
        self.table_name = table_name
        self._table = HistoryTable.bind(table_name, region=region, host=host)

    def load(self, job: JobKey) -> tuple[StoredJob | None, dict[str, SlackThread]]:
        """The stored job (``None`` if it has no summary) and its threads by channel: one Query."""
        stored, threads = read_job_and_threads(self._table, job)
        return stored, {thread.channel: thread for thread in threads}

    def thread(self, job: JobKey, channel: str) -> SlackThread | None:
        """The job's thread in ``channel`` as stored now (a strongly consistent Query of one item)."""
        model = self._table.slack_thread
        found = guarded(
            lambda: list(
                model.query(job_pk(job), model.sk == slack_thread_sk(channel), consistent_read=True, limit=1)
            )
        )
        return slack_thread_from_item(found[0]) if found else None

    def claim_parent(self, job: JobKey, channel: str, claim: Claim, *, now: datetime) -> bool:
        """Take the right to post the job's parent in ``channel``; ``False`` if a parent is recorded or
        another notifier holds a claim that has not expired (``claim`` itself may be renewed)."""
        model = self._table.slack_thread
        condition = model.sk.does_not_exist() | (
            model.ts.does_not_exist()
            & (
                model.claimed_until.does_not_exist()
                | (model.claimed_until <= now)
                | (model.claim_token == claim.token)
            )
        )
        actions = [
            # An UpdateItem that creates the item writes only what it is told: the item type too
            model.kind.set(model),
            model.channel.set(channel),
            model.claim_token.set(claim.token),
            model.claimed_until.set(claim.until),
            model.recorded_at.set(now),
        ]
        return self._update(job, channel, actions, condition) is not None

    def record_parent(
        self,
        job: JobKey,
        channel: str,
        claim: Claim,
        posted: PostedMessage,
        *,
        parent_digest: str,
        team: str | None,
        now: datetime,
    ) -> SlackThread | None:
        """Record the parent ``claim`` posted; the thread as stored, or ``None`` if the claim was lost
        (it expired and another notifier took it: the one case that makes a second parent)."""
        model = self._table.slack_thread
        actions = [
            model.channel_id.set(posted.channel_id),
            model.ts.set(posted.ts),
            model.parent_digest.set(parent_digest),
            model.claim_token.remove(),
            model.claimed_until.remove(),
            model.recorded_at.set(now),
        ]
        if team:
            actions.append(model.team.set(team))
        condition = model.ts.does_not_exist() & (model.claim_token == claim.token)
        return self._update(job, channel, actions, condition)

    def release_parent(self, job: JobKey, channel: str, claim: Claim) -> bool:
        """Give the claim back after a failed post, so that the retry can post at once."""
        model = self._table.slack_thread
        condition = model.ts.does_not_exist() & (model.claim_token == claim.token)
        actions = [model.claim_token.remove(), model.claimed_until.remove()]
        return self._update(job, channel, actions, condition) is not None

    def record_reply(
        self,
        job: JobKey,
        channel: str,
        key: str,
        *,
        parent_digest: str | None,
        team: str | None,
        now: datetime,
    ) -> SlackThread:
        """Remember that the reply ``key`` is in the thread (and the parent as now rendered, and the job's
        team once an alert names it). The thread must have its parent."""
        model = self._table.slack_thread
        actions: list[Action] = [model.posted.add({key}), model.recorded_at.set(now)]
        if parent_digest is not None:
            actions.append(model.parent_digest.set(parent_digest))
        if team:
            actions.append(model.team.set(team))
        thread = self._update(job, channel, actions, model.ts.exists())
        if thread is None:
            raise LookupError(f"{job} has no Slack parent in {channel} to reply to")
        return thread

    def transitions_added(self, change: Mapping[str, Any]) -> tuple[TransitionRef, ...]:
        """The transitions a DynamoDB stream record's ``dynamodb`` member adds to its job (a summary
        item's old and new images), in the job's order; none for any other record."""
        return transitions_added(change)

    def _update(
        self, job: JobKey, channel: str, actions: Sequence[Action], condition: Condition
    ) -> SlackThread | None:
        """One conditional UpdateItem; the thread as it is after it, or ``None`` if the condition failed."""
        item = self._table.slack_thread(job_pk(job), slack_thread_sk(channel))
        try:
            item.update(actions=list(actions), condition=condition)
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise store_error(error) from error
        return slack_thread_from_item(item)
