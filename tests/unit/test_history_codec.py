"""A job's record packed into its summary item: exactly what went in comes out, the formats never change
under the data already written, and the packed record keeps the summary item under a write unit."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from datetime import UTC, datetime

import msgspec
import pytest
from jobtrail.adapters.history_codec import (
    FORMAT_1,
    TEXT_FORMAT_1,
    UnreadableRecord,
    dictionaries,
    pack,
    pack_text,
    unpack,
    unpack_text,
)
from jobtrail.core.kinds import KINDS
from jobtrail.core.model import Metric
from jobtrail_local.loadgen import MIXED_KINDS, generate
from msgspec.structs import replace

LOAD = generate(120, seed=2026, mix=MIXED_KINDS)
RECORDS = [LOAD.final_record(job) for job in LOAD.jobs]
#: Bytes of a summary item besides its record: keys, index keys, account, region, version, kind,
#: recorded_at (names and values), for a job name of 45 characters (the load's are 30 to 50).
ITEM_WITHOUT_RECORD = 330


def test_every_kinds_record_comes_back_exactly() -> None:
    assert {record.summary.kind for record in RECORDS} == set(KINDS)
    for record in RECORDS:
        assert unpack(pack(record)) == record


def test_metric_values_come_back_bit_for_bit() -> None:
    # Given final metrics DynamoDB numbers could not hold exactly
    base = next(record for record in RECORDS if record.final_metrics)
    odd = (-0.0, math.nan, math.inf, 0.1 + 0.2, 1e-320)
    record = replace(base, final_metrics=tuple(Metric(f"m{i}", value) for i, value in enumerate(odd)))
    # Then each comes back with the same bits
    back = unpack(pack(record)).final_metrics
    assert [m.value.hex() for m in back] == [value.hex() for value in odd]


def test_a_record_written_before_a_field_existed_reads_with_its_default() -> None:
    # Given a record as an older version wrote it: its summary without a field added since
    record = RECORDS[0]
    older = msgspec.to_builtins(record)
    del older["summary"]["tags"]
    older["summary"]["a_field_since_removed"] = 1
    body = msgspec.msgpack.encode(older)
    deflate = zlib.compressobj(
        9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict=dictionaries()[FORMAT_1]
    )
    packed = FORMAT_1 + deflate.compress(body) + deflate.flush()
    # Then it reads, the missing field at its default and the unknown one ignored
    assert unpack(packed) == replace(record, summary=replace(record.summary, tags=None))


def test_the_dictionaries_never_change() -> None:
    # Records already written are read with them: a new dictionary needs a new format byte
    digests = {form: hashlib.sha256(words).hexdigest() for form, words in dictionaries().items()}
    assert digests == {
        FORMAT_1: "7d749405d34e71e0a05b742c587058451b3e6bf436f014cf96110176d7b9d998",
        TEXT_FORMAT_1: "ff675390e53d8ac63b9bf7816c24f943f8707ff89413bfc747d23d4079c37831",
    }


@pytest.mark.parametrize(
    "value", [b"", b"\x00abc", b"\x01not deflate", b"\x02" + b"\xff" * 8, FORMAT_1 + b"\x03"]
)
def test_anything_else_is_refused_with_a_reason(value: bytes) -> None:
    with pytest.raises(UnreadableRecord):
        unpack(value)


def test_a_text_comes_back_exactly_and_smaller() -> None:
    document = json.dumps(
        {
            "alert_id": "123456789012/us-east-1/training/bert/Failed/2026-11-20T13:41:27.640+00:00",
            "alert_type": "Failed",
            "failure_reason": 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "é ✓"',
            "log_tail": [{"log_stream": "bert/algo-1-1795181592", "lines": ["line"] * 20}],
            "when": datetime(2026, 11, 20, tzinfo=UTC).isoformat(),
        }
    )
    packed = pack_text(document)
    assert unpack_text(packed) == document
    assert packed[:1] == TEXT_FORMAT_1
    assert len(packed) < len(document.encode()) / 2
    with pytest.raises(UnreadableRecord):
        unpack_text(pack(RECORDS[0]))


def test_the_summary_item_stays_under_a_write_unit_for_nearly_every_job() -> None:
    # DynamoDB charges a write one unit per KB of the item: the record is what grows with a job's life
    sizes = sorted(len(pack(record)) + ITEM_WITHOUT_RECORD for record in RECORDS)
    under = sum(size <= 1024 for size in sizes)
    assert under / len(sizes) >= 0.95, sizes[-10:]
    # And packing is what makes it so: the MessagePack alone would not fit most of them
    raw = sorted(len(msgspec.msgpack.encode(record)) + ITEM_WITHOUT_RECORD for record in RECORDS)
    assert sum(size <= 1024 for size in raw) / len(raw) < 0.5
