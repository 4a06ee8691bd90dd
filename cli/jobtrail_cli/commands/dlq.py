"""``jobtrail dlq list`` and ``dlq redrive``: what sits in the dead-letter queue, and moving it back."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from jobtrail_cli.errors import EXIT_OK
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring, aws_call

if TYPE_CHECKING:
    from jobtrail_cli.dead_letters import DeadLetterQueue


def list_dead_letters(args: argparse.Namespace, wiring: Wiring) -> int:
    """``dlq list``: up to ``--limit`` messages with the reason each is there; they stay in the queue."""
    queue = _dead_letter_queue(args, wiring)
    letters = aws_call(lambda: queue.peek(args.limit))
    if args.json:
        from jobtrail.core.times import iso  # noqa: PLC0415

        print_json(
            [
                {
                    "message_id": d.message_id,
                    "event_id": d.event_id,
                    "job_name": d.job_name,
                    "reason": d.reason,
                    "receive_count": d.receive_count,
                    "sent_at": iso(d.sent_at),
                }
                for d in letters
            ]
        )
    else:
        from jobtrail_cli import render  # noqa: PLC0415 - rich only when printing tables

        render.dead_letters_table(letters)
    return EXIT_OK


def redrive(args: argparse.Namespace, wiring: Wiring) -> int:
    """``dlq redrive``: start moving the messages back, to ``--queue-url`` or the stack's StateChangeQueue
    when given, else to the queue each came from."""
    queue = _dead_letter_queue(args, wiring)
    destination = None
    if args.queue_url or args.stack:
        url = args.queue_url or wiring.stack_output("StateChangeQueueUrl", "--queue-url")
        sqs = wiring.sqs()
        destination = aws_call(lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]))[
            "Attributes"
        ]["QueueArn"]
    handle = aws_call(lambda: queue.redrive(destination_arn=destination, per_second=args.per_second))
    if args.json:
        print_json({"task_handle": handle, "destination_arn": destination})
    else:
        print(
            f"Moving the dead letters back (task {handle}). Rejected events are rejected again unless fixed."
        )
    return EXIT_OK


def _dead_letter_queue(args: argparse.Namespace, wiring: Wiring) -> DeadLetterQueue:
    from jobtrail_cli.dead_letters import DeadLetterQueue  # noqa: PLC0415

    wiring.refuse_local(
        args.command, "the demo's queues exist only while it runs; the dead-letter queue is in your account"
    )
    url = args.dlq_url or wiring.stack_output("StateChangeDeadLetterQueueUrl", "--dlq-url")
    return DeadLetterQueue(wiring.sqs(), url)
