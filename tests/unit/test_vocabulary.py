"""The words the CLI accepts: SageMaker's statuses, and points in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import botocore.session
import pytest
from jobtrail.core.model import SECONDARY_STATUSES, TRAINING_JOB_STATUSES
from jobtrail.core.times import parse_moment

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_the_status_lists_are_sagemakers_own() -> None:
    # Given botocore's service model for SageMaker (shipped with botocore, no network)
    model = botocore.session.get_session().get_service_model("sagemaker")
    # Then jobtrail knows every status it defines (newer botocore releases may define more: Deleting)
    assert set(TRAINING_JOB_STATUSES) >= set(model.shape_for("TrainingJobStatus").enum)
    assert set(SECONDARY_STATUSES) >= set(model.shape_for("SecondaryStatus").enum)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("2026-11-20T10:00", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00+02:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
    ],
)
def test_moments_are_durations_back_from_now_or_iso_times_in_utc(text: str, expected: datetime) -> None:
    assert parse_moment(text, now=NOW) == expected


@pytest.mark.parametrize(("text", "message"), [("1000000d", "too far back"), ("yesterday", "not a time")])
def test_moments_that_are_no_time_raise_a_readable_value_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_moment(text, now=NOW)
