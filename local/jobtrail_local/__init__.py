"""Local tooling: the demo, DynamoDB Local, the scripted SageMaker, the lifecycle fixtures and the
load generator. Installed by ``make install`` for people and tests; never shipped in the Lambda layer."""
