"""AWS list prices the benchmark's cost table uses (us-east-1, on-demand, no free tier), with sources.

AWS renders its pricing pages' numbers client-side, so the figures were read from the pages below (all
stating us-east-1) and agree with each other; check https://aws.amazon.com/pricing/ before relying on them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bytes in the GB that CloudWatch Logs ingestion is priced per (the decimal one: the higher estimate).
GB = 1_000_000_000

#: When these prices were collected for this file.
PRICES_CHECKED = "2026-11-27"


@dataclass(frozen=True)
class Price:
    item: str
    usd: float
    per: str
    source: str


LAMBDA_ARM_GB_SECOND = Price(
    "Lambda duration, arm64 (first 7.5 billion GB-s a month)",
    0.0000133334,
    "GB-second",
    "aws.amazon.com/lambda/pricing; cloudchipr.com/blog/aws-lambda-pricing (tiers); artillery "
    "lib/platform/aws-lambda/prices.js (arm64 base rate)",
)
LAMBDA_REQUEST = Price(
    "Lambda requests", 0.20 / 1_000_000, "invocation", "aws.amazon.com/lambda/pricing (same sources)"
)
DYNAMODB_WRITE_REQUEST_UNIT = Price(
    "DynamoDB on-demand write request unit (after the November 2024 50 % cut)",
    0.625 / 1_000_000,
    "WRU",
    "aws.amazon.com/dynamodb/pricing/on-demand (unit definitions); airbyte.com/data-engineering-resources/"
    "dynamodb-pricing (2025-07-21, us-east-1 rates)",
)
DYNAMODB_READ_REQUEST_UNIT = Price(
    "DynamoDB on-demand read request unit",
    0.125 / 1_000_000,
    "RRU",
    "same as the write request unit",
)
SQS_REQUEST = Price(
    "SQS standard queue request (each 64 KB chunk)",
    0.40 / 1_000_000,
    "request",
    "cloudburn.io/blog/amazon-sqs-pricing (2026-03-14); factualminds.com SQS pricing (2026-06-13)",
)
SNS_PUBLISH = Price(
    "SNS standard topic publish (each 64 KB chunk; deliveries to SQS and Lambda are free)",
    0.50 / 1_000_000,
    "publish",
    "factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols (2026-06-13)",
)
CLOUDWATCH_LOGS_INGESTION = Price(
    "CloudWatch Logs ingestion, standard log class (GB taken as 10^9 bytes)",
    0.50,
    "GB",
    "c3x.dev/blog/cloudwatch-logs-cost-optimization (us-east-1, June 2026: $0.50 per GB); "
    "hykell.com/knowledge-base/aws-cloudwatch-logs-pricing (US East: $0.50 per GB)",
)
ALL = (
    LAMBDA_ARM_GB_SECOND,
    LAMBDA_REQUEST,
    DYNAMODB_READ_REQUEST_UNIT,
    DYNAMODB_WRITE_REQUEST_UNIT,
    SQS_REQUEST,
    SNS_PUBLISH,
    CLOUDWATCH_LOGS_INGESTION,
)
