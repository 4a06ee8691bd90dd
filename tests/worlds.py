"""A complete ingest world on real engines: the history table (moto or DynamoDB Local), SQS and SNS on moto,
and SageMaker scripted from events/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from fakes import scripted_training_jobs
from jobtrail.adapters.history_queries import HistoryQueries
from jobtrail.adapters.history_store import HistoryStore
from jobtrail.adapters.sns import SnsAlertPublisher
from jobtrail.adapters.sqs import SqsDeadLetters
from jobtrail.usecases.ingest import IngestDeps
from jobtrail_local.scripted_sagemaker import ScriptedSageMaker
from moto import mock_aws


@dataclass
class World:
    """Ingest wired to a real history table, SQS and SNS on moto, and a scripted SageMaker.

    The alert topic has an SQS subscriber, so a test reads back exactly what subscribers receive.
    """

    script: ScriptedSageMaker
    store: HistoryStore
    queries: HistoryQueries
    sqs: Any
    dead_letter_queue_url: str
    topic_arn: str
    subscriber_queue_url: str

    @cached_property
    def deps(self) -> IngestDeps:
        jobs = scripted_training_jobs(self.script)
        return IngestDeps(
            jobs=jobs,
            tags=jobs,
            histories=self.store,
            dead_letters=SqsDeadLetters(self.sqs, self.dead_letter_queue_url),
            alerts=SnsAlertPublisher(boto3.client("sns", region_name="us-east-1"), self.topic_arn),
        )

    def parked(self) -> list[dict[str, Any]]:
        return self._drain(self.dead_letter_queue_url)

    def subscribe_with_filter(self, policy: dict[str, Any], name: str) -> str:
        """A queue ``name`` subscribed to the alert topic with ``policy`` on the message attributes; its
        URL (``notifications_at`` reads what it receives)."""
        url: str = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        boto3.client("sns", region_name="us-east-1").subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"FilterPolicy": json.dumps(policy), "FilterPolicyScope": "MessageAttributes"},
        )
        return url

    def notifications_at(self, url: str) -> list[dict[str, Any]]:
        """The SNS notifications a queue of ``subscribe_with_filter`` received since the last call."""
        return [json.loads(m["Body"]) for m in self._drain(url)]

    def notifications(self) -> list[dict[str, Any]]:
        """The SNS notifications delivered to the topic's subscriber since the last call."""
        return [json.loads(m["Body"]) for m in self._drain(self.subscriber_queue_url)]

    def _drain(self, url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for _ in range(100):
            batch = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            )
            if not batch.get("Messages"):
                return messages
            messages.extend(batch["Messages"])
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(batch["Messages"])
                ],
            )
        raise AssertionError("queue never drained")


@contextmanager
def world_on(table: Any) -> Iterator[World]:
    """A world whose history table is ``table``; SQS, SNS (moto) and a scripted SageMaker beside it."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        sns = boto3.client("sns", region_name="us-east-1")
        dlq_url = sqs.create_queue(QueueName="jobtrail-dlq")["QueueUrl"]
        subscriber_url = sqs.create_queue(QueueName="alert-subscriber")["QueueUrl"]
        subscriber_arn = sqs.get_queue_attributes(QueueUrl=subscriber_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        topic_arn = sns.create_topic(Name="jobtrail-alerts")["TopicArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=subscriber_arn)
        store = HistoryStore(table.name, region=table.region, host=table.endpoint_url)
        queries = HistoryQueries(table.name, region=table.region, host=table.endpoint_url)
        yield World(ScriptedSageMaker(), store, queries, sqs, dlq_url, topic_arn, subscriber_url)


def create_in_moto(describe: dict[str, Any]) -> None:
    """Create a fixture's job in moto's SageMaker (which reports every job Completed)."""
    boto3.client("sagemaker", region_name="us-east-1").create_training_job(
        TrainingJobName=describe["TrainingJobName"],
        AlgorithmSpecification=describe["AlgorithmSpecification"],
        RoleArn=describe["RoleArn"],
        OutputDataConfig=describe["OutputDataConfig"],
        ResourceConfig=describe["ResourceConfig"],
        StoppingCondition=describe["StoppingCondition"],
    )
