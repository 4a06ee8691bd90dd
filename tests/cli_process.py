"""The CLI as a user runs it: ``python -m jobtrail`` in a fresh process, on the working tree's code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: PYTHONPATH for a CLI process: the working tree's runtime, CLI and local tooling packages, whatever the
#: virtualenv's editable install points at.
SOURCE_PATH = os.pathsep.join(str(REPO / folder) for folder in ("layers/jobtrail", "cli", "local"))


def run_jobtrail(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m jobtrail ARGS`` with this interpreter; ``env`` adds to (or overrides) the environment."""
    return subprocess.run(
        [sys.executable, "-m", "jobtrail", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE_PATH, **(env or {})},
        timeout=timeout,
        check=False,
        cwd=cwd,
    )


def run_on(table: dict[str, str], *args: str, capsys: Any) -> tuple[int, str, str]:
    """``jobtrail --table NAME --endpoint-url URL ARGS`` in this process: (exit status, stdout, stderr)."""
    from jobtrail_cli.entry import main  # noqa: PLC0415 - only the in-process runs need the CLI imported

    code = main(["--table", table["name"], "--endpoint-url", table["endpoint"], *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
