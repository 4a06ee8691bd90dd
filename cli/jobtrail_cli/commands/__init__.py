"""The ``jobtrail`` subcommands, a module per concern: ``queries`` (jobs, alerts, show, history, metrics),
``watch``, ``status``, ``backfill``, ``dlq`` (list, redrive), ``demo``, ``completion``, ``routes`` (test,
check) and ``ui`` (the pages, from ``jobtrail_cli.ui``).

Each command is a function ``(args, wiring) -> exit status``: ``args`` are its parsed options, ``wiring``
(``jobtrail_cli.wiring``) gives it the store and clients it asks for. A command imports rich, boto3 or
PynamoDB only inside its body, so that building the parser stays cheap.
"""
