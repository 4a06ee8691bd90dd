"""How long ``jobtrail --local jobs`` takes to answer after ``jobtrail demo`` (part of ``make bench``).

Wall time of the whole command in a fresh process, as a user sees it: Python's start, the CLI's imports,
finding (or starting) DynamoDB Local, the query, the table. Measured twice, in a temporary local home:

- **after the demo**: the demo leaves DynamoDB Local running, so the query joins it (the first call after
  the demo, then the median of the next ones);
- **booting the engine**: after ``jobtrail demo --stop``, each query starts Java and stops it again, which
  is what every ``--local`` query paid before the demo kept the engine running.

The engine is stopped at the end, whatever happens. Run alone: ``python bench/local_query.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from budgets import local_query_budget

REPO = Path(__file__).resolve().parent.parent
#: This checkout's code, whatever the virtualenv's editable install points at.
SOURCE_PATH = os.pathsep.join(str(REPO / folder) for folder in ("layers/jobtrail", "cli", "local"))


@dataclass(frozen=True)
class LocalQueryTimes:
    first_after_demo_s: float
    median_after_demo_s: float
    booting_engine_s: float
    repeats: int


def measure_local_query(env: dict[str, str], repeats: int = 5) -> LocalQueryTimes:
    """Run the demo in a temporary home, time ``--local jobs`` with the engine it left and without."""
    with tempfile.TemporaryDirectory(prefix="jobtrail-bench-local-") as work:
        home = Path(work) / ".jobtrail"
        env = env | {"JOBTRAIL_HOME": str(home), "PYTHONPATH": SOURCE_PATH, "SLACK_WEBHOOK_URL": ""}
        try:
            _jobtrail(env, "demo", "--json")
            first = _timed(env, "--local", "jobs")
            after = [_timed(env, "--local", "jobs") for _ in range(repeats)]
            _jobtrail(env, "demo", "--stop")
            booting = [_timed(env, "--local", "jobs") for _ in range(max(1, repeats // 2))]
        finally:
            _jobtrail(env, "demo", "--stop")
    return LocalQueryTimes(first, statistics.median(after), statistics.median(booting), repeats)


def _jobtrail(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - this interpreter, our CLI
        [sys.executable, "-m", "jobtrail", *args], env=env, cwd=REPO, check=True, capture_output=True
    )


def _timed(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    _jobtrail(env, *args)
    return time.perf_counter() - started


def main() -> int:
    times = measure_local_query(dict(os.environ))
    print(
        f"jobtrail --local jobs: {times.first_after_demo_s:.2f} s first after the demo, "
        f"{times.median_after_demo_s:.2f} s median of {times.repeats}; "
        f"{times.booting_engine_s:.2f} s when it boots DynamoDB Local"
    )
    budget = local_query_budget(times.first_after_demo_s, times.booting_engine_s)
    print(f"{budget.name}: {budget.limit}, measured {budget.measured}: {budget.verdict}")
    return 0 if budget.passed else 1


if __name__ == "__main__":
    sys.exit(main())
