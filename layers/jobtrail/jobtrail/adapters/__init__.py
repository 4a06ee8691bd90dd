"""Adapters: each wraps one AWS service (or Slack) behind the port it implements. Only this package
imports boto3, botocore, PynamoDB or slack_sdk; the composition roots (``functions/*/app.py``) build them."""
