"""``jobtrail migrate``: move a history table written before jobtrail tracked every kind of job to today's
layout (``jobtrail.adapters.history_migration``)."""

from __future__ import annotations

import argparse
import sys

from jobtrail_cli.errors import EXIT_OK
from jobtrail_cli.output import print_json
from jobtrail_cli.wiring import Wiring


def migrate(args: argparse.Namespace, wiring: Wiring) -> int:
    """Move every old-layout job (``--dry-run``: only count them); safe to run again, and to run while the
    stack is ingesting (what ingest wrote since the upgrade is kept)."""
    migration = wiring.migration()
    report = wiring.read(lambda: migration.migrate(dry_run=args.dry_run, keep_old=args.keep_old))
    if args.json:
        print_json(report.as_dict())
        return EXIT_OK
    verb = "would move" if args.dry_run else ("copied" if args.keep_old else "moved")
    print(
        f"{verb} {report.jobs} jobs from the layout before kinds in {wiring.where()}"
        + (
            ""
            if args.dry_run
            else f": {report.items_copied} items copied, {report.items_kept} newer ones kept, "
            f"{report.items_deleted} old ones deleted, {report.watermarks_moved} watermarks moved"
        )
    )
    for skipped in report.skipped:
        print(f"jobtrail: skipped {skipped}", file=sys.stderr)
    return EXIT_OK
