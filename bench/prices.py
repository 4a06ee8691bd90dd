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
CLOUDWATCH_CUSTOM_METRIC = Price(
    "CloudWatch custom metric, EMF included (first 10,000 metrics; prorated by the hour: a metric costs "
    "$0.30 / 730 for each hour it has a value)",
    0.30 / 730,
    "metric-hour",
    "c3x.dev/blog/aws-cloudwatch-metrics-cost ($0.30 per metric per month for the first 10,000; each "
    "name and dimension values a metric); aws.amazon.com/cloudwatch/pricing (tiers as quoted in "
    "github.com/nishinoshake/aws-rough/issues/37; its hourly proration not in a page checked here)",
)
XRAY_TRACE = Price(
    "X-Ray trace recorded (no free tier counted: the first 100,000 a month are free)",
    5.00 / 1_000_000,
    "trace",
    "aws.amazon.com/xray/pricing ($5.00 per million traces recorded, $0.000005 each; retrieved or scanned "
    "$0.50 per million); awsnegotiations.com/x-ray-pricing-strategy.html (US East, same rates)",
)
#: The monthly volume the metrics are priced at: a metric is billed per hour it has a value, whatever the
#: traffic, so its cost per event depends on the events a month. The cost table's own unit.
REFERENCE_EVENTS_PER_MONTH = 1_000_000
#: Hours in the month CloudWatch prorates metrics over.
HOURS_PER_MONTH = 730
#: Lambda's sampling with Tracing=Active (no upstream trace header): the first request each second, then
#: 5 % of the others (docs.aws.amazon.com/lambda/latest/dg/services-xray.html).
XRAY_LAMBDA_RESERVOIR_PER_SECOND = 1
XRAY_LAMBDA_RATE = 0.05
ALL = (
    LAMBDA_ARM_GB_SECOND,
    LAMBDA_REQUEST,
    DYNAMODB_READ_REQUEST_UNIT,
    DYNAMODB_WRITE_REQUEST_UNIT,
    SQS_REQUEST,
    SNS_PUBLISH,
    CLOUDWATCH_LOGS_INGESTION,
    CLOUDWATCH_CUSTOM_METRIC,
    XRAY_TRACE,
)
