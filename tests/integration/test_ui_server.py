"""``jobtrail ui`` over a real socket: werkzeug's threaded server on 127.0.0.1, started on port 0 in a
thread, stopped at the end; and ``jobtrail ui`` as a user runs it, stopped with Ctrl-C. The server keeps
answering after every kind of error, and its log never holds the token."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import ui_history as history
from cli_process import SOURCE_PATH
from jobtrail_cli.errors import UserError
from jobtrail_cli.ui.pages import Pages
from jobtrail_cli.ui.server import HOST, UiServer
from jobtrail_local.dynamodb_local import DynamoDBLocal

pytestmark = pytest.mark.dynamodb_local


@pytest.fixture(scope="module")
def table(dynamodb_local: DynamoDBLocal) -> Iterator[dict[str, str]]:
    yield from history.table_of(dynamodb_local, "jobtrail-ui-server", history.fill)


class Broken(Pages):
    """Pages whose overview fails as nothing the CLI foresees."""

    def overview(self, params: Any) -> Any:
        raise RuntimeError("the disk is on fire")


@contextmanager
def serving(table: dict[str, str], pages_type: type[Pages] = Pages) -> Iterator[UiServer]:
    """``jobtrail ui`` on ``table``, served on a free port in a thread until the block ends."""
    with history.pages_on(table, made_by=pages_type) as pages:
        server = UiServer(pages, port=0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture(scope="module")
def server(table: dict[str, str]) -> Iterator[UiServer]:
    with serving(table, Broken) as running:
        yield running


def ask(
    server: UiServer, path: str, *, method: str = "GET", token: bool = True, **headers: str
) -> tuple[int, str]:
    """One request on a connection of its own: (status, body)."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        given = {"Authorization": f"Bearer {server.token}"} if token else {}
        connection.request(method, path, headers={**given, **headers})
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def browser() -> urllib.request.OpenerDirector:
    """A client that keeps cookies and follows redirects, as a browser does."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def test_it_listens_on_127_0_0_1_only(server: UiServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0
    with socket.create_connection((HOST, server.port), timeout=5):
        pass  # it answers there


def test_a_browser_opening_the_url_gets_the_pages_and_keeps_the_token_in_a_cookie(server: UiServer) -> None:
    opener = browser()

    first = opener.open(server.url, timeout=30)
    then = opener.open(f"{server.base_url}/jobs.json?kind=pipeline", timeout=30)
    with pytest.raises(urllib.error.HTTPError) as stranger:
        browser().open(f"{server.base_url}/jobs", timeout=30)

    assert (first.status, first.url) == (200, f"{server.base_url}/jobs")  # the token left the URL
    assert "Jobs in table" in first.read().decode()
    assert {job["kind"] for job in json.load(then)} == {"pipeline"}  # the cookie carried the token
    assert stranger.value.code == 403


def test_a_script_reads_a_json_twin_with_the_token_in_its_url(server: UiServer) -> None:
    answer = urllib.request.urlopen(
        f"{server.base_url}/jobs.json?kind=tuning&token={server.token}", timeout=30
    )

    assert {job["kind"] for job in json.load(answer)} == {"tuning"}


def malformed(server: UiServer) -> tuple[int, str]:
    """A request line no HTTP server could read (a word too many), holding the token."""
    with socket.create_connection((HOST, server.port), timeout=10) as raw:
        raw.sendall(f"GET /jobs?token={server.token} extra HTTP/1.1\r\n\r\n".encode())
        answer = raw.recv(4096).decode(errors="replace")
    return int(answer.split()[1]), answer


def hang_up(server: UiServer) -> tuple[int, str]:
    """A connection that sends half a request and leaves."""
    with socket.create_connection((HOST, server.port), timeout=10) as raw:
        raw.sendall(b"GET /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return 0, ""


ERRORS = {
    "bad filter": (lambda s: ask(s, "/jobs?status=Bogus"), 400),
    "unknown job": (lambda s: ask(s, "/jobs/training/no-such-job-here"), 404),
    "unknown page": (lambda s: ask(s, "/nowhere"), 404),
    "no token": (lambda s: ask(s, "/jobs", token=False), 403),
    "bad host": (lambda s: ask(s, "/jobs", Host="evil.example"), 403),
    "a write": (lambda s: ask(s, "/jobs", method="POST"), 405),
    "unexpected failure": (lambda s: ask(s, "/overview"), 500),
    "malformed request": (malformed, 400),
    "hang-up": (hang_up, 0),
}


@pytest.mark.parametrize("error", ERRORS)
def test_the_server_answers_after_each_error(server: UiServer, error: str) -> None:
    cause, status = ERRORS[error]

    got, _ = cause(server)
    after, page = ask(server, "/jobs")

    assert got == status
    assert after == 200
    assert "Jobs in table" in page


def test_the_log_never_holds_the_token(
    table: dict[str, str], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with serving(table, Broken) as running:
        browser().open(running.url, timeout=30)  # 302 to /jobs, then /jobs
        statuses = [
            ask(running, f"/jobs.json?status=Bogus&token={running.token}")[0],
            ask(running, "/overview")[0],
            malformed(running)[0],
        ]
        time.sleep(0.2)  # the last request's log line

    logged = [record.getMessage() for record in caplog.records] + [
        str(record.exc_info[1]) for record in caplog.records if record.exc_info
    ]
    printed = capfd.readouterr()
    everything = "\n".join([*logged, printed.out, printed.err])
    assert statuses == [400, 500, 400]
    assert running.token not in everything
    for request in ("GET /jobs 302", "GET /jobs 200", "GET /jobs.json 400", "GET /overview 500"):
        assert any(line.endswith(request) for line in logged), request
    assert any("Bad request syntax ('GET /jobs?token=<token> extra HTTP/1.1')" in line for line in logged)
    assert any("GET /overview failed" in line for line in logged)


def test_a_port_in_use_is_one_line(table: dict[str, str]) -> None:
    with socket.socket() as taken, history.pages_on(table) as pages:
        taken.bind((HOST, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(UserError) as refused:
            UiServer(pages, port=port)

    assert str(refused.value).startswith(f"cannot serve on 127.0.0.1:{port}: ")
    assert "--port 0 picks a free port" in str(refused.value)


def test_a_missing_table_is_a_503_and_the_server_goes_on(table: dict[str, str]) -> None:
    with serving({**table, "name": "jobtrail-no-such-table"}) as running:
        status, page = ask(running, "/jobs")
        again, _ = ask(running, "/jobs.json")
        static, _ = ask(running, "/static/style.css")

    assert (status, again, static) == (503, 503, 200)
    assert "table jobtrail-no-such-table does not exist" in page


def jobtrail_ui(table: dict[str, str], *more: str, **environment: str) -> subprocess.Popen[str]:
    """``jobtrail --table NAME --endpoint-url URL ui MORE`` as a process of its own (its output piped)."""
    where = ["--table", table["name"], "--endpoint-url", table["endpoint"]]
    return subprocess.Popen(
        [sys.executable, "-m", "jobtrail", *where, "ui", *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE_PATH, **environment},
    )


def test_jobtrail_ui_prints_its_url_and_stops_on_ctrl_c(table: dict[str, str]) -> None:
    process = jobtrail_ui(table)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.removeprefix("Open ").strip()
        page = browser().open(url, timeout=30)
        assert page.status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    token = url.split("token=")[1]
    assert line.startswith("Open http://127.0.0.1:")
    assert process.returncode == 0
    assert "Traceback" not in err
    assert err.splitlines()[0] == f"jobtrail ui: reading table {table['name']} at {table['endpoint']}"
    assert err.splitlines()[-1] == "jobtrail ui: stopped"
    assert token not in out + err
    assert "GET /jobs 200" in err


def test_jobtrail_ui_refuses_a_bad_port_in_one_line(table: dict[str, str]) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "jobtrail", "--table", table["name"], "ui", "--port", "70000"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE_PATH},
        timeout=60,
        check=False,
    )

    assert process.returncode == 2
    assert (
        process.stderr.splitlines()[-1]
        == "jobtrail ui: error: argument --port: a port is 0 to 65535, not 70000"
    )


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("//evil.example/jobs", "/evil.example/jobs"),
        # A tab or a backslash before the host: urlsplit drops the tab and a browser reads "\" as "/", so
        # either would make "//evil.example" of an unquoted path
        ("/%09/evil.example/jobs", "/%09/evil.example/jobs"),
        ("/%5C/evil.example/jobs", "/%5C/evil.example/jobs"),
        ("/%5Cevil.example/jobs", "/%5Cevil.example/jobs"),
    ],
)
def test_the_tokens_redirect_stays_on_this_server(server: UiServer, path: str, location: str) -> None:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    try:
        connection.request("GET", f"{path}?token={server.token}&kind=training")
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()

    assert answer.status == 302
    assert answer.headers["Location"] == f"{location}?kind=training"


def test_open_hands_the_browser_a_page_only_the_user_reads_not_the_token(
    table: dict[str, str], tmp_path: Any
) -> None:
    # $BROWSER is what Python's webbrowser runs: here a script that keeps what it was given
    given, copy = tmp_path / "given.txt", tmp_path / "page.html"
    browser_script = tmp_path / "browser.sh"
    browser_script.write_text(
        f'#!/bin/sh\necho "$1" > {given}\nf="${{1#file://}}"\nstat -c %a "$f" >> {given}\ncp "$f" {copy}\n'
    )
    browser_script.chmod(0o700)
    process = jobtrail_ui(table, "--open", BROWSER=str(browser_script))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().removeprefix("Open ").strip()
        for _ in range(100):
            if copy.exists():
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    opened, mode = given.read_text().split()
    token = url.split("token=")[1]
    assert opened.startswith("file:///")
    assert token not in opened
    assert mode == "600"
    assert f'content="0; url={url}"' in copy.read_text()
    assert not os.path.exists(opened.removeprefix("file://"))  # removed once stopped
    assert process.returncode == 0
