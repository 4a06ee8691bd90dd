"""Copy the runtime paths the layer ships (the Makefile's RUNTIME list) into the layer, without caches.

Usage: python copy_runtime.py TARGET PATH... (each PATH a file or a package folder, relative to here).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(target: Path, paths: list[str]) -> None:
    for name in paths:
        source, destination = Path(name), target / name
        if source.is_dir():
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
