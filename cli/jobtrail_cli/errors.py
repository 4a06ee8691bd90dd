"""How a ``jobtrail`` run ends: its exit statuses, and the error the user can fix."""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3
#: ``jobtrail demo`` ran and kept its history, but Slack did not take the alerts (a bad webhook).
EXIT_SLACK_NOT_POSTED = 4
#: `jobtrail status` looked and found something wrong with the deployment (an alarm, a dead letter…).
EXIT_UNHEALTHY = 5
#: What a shell reports for a process ended by SIGPIPE (128 + 13).
EXIT_SIGPIPE = 141
#: What a shell reports for a process ended by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """Something the user can fix; printed as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
