"""What the commands print besides the tables of ``render``: JSON documents, and how to run jobtrail again."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path


def print_json(document: object) -> None:
    """``document`` on stdout as indented JSON (``--json``); NaN is refused, not printed."""
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write("\n")


def program_name() -> str:
    """How to run this CLI again from here: ``jobtrail`` if that is on PATH, else the path it was run by."""
    launched = Path(sys.argv[0])
    if launched.name != "jobtrail":
        return f"{sys.executable} -m jobtrail"
    on_path = shutil.which("jobtrail")
    if on_path and Path(on_path).resolve() == launched.resolve():
        return "jobtrail"
    return os.path.relpath(launched)
