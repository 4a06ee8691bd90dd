"""The browser tier: ``jobtrail --local ui`` over the demo's data, driven by headless Chromium.

- ``demo_ui``: ``jobtrail demo`` in a temporary home, then ``jobtrail --local ui --port 0`` as a user runs
  it (a process of its own), its URL read from what it prints; stopped with Ctrl-C (SIGINT) afterwards,
  which must end it with exit 0, and the demo's DynamoDB Local stopped.
- ``browser``: Debian's chromium (``JOBTRAIL_CHROMIUM``, else ``chromium`` on PATH) through Playwright for
  Python, which never downloads a browser of its own here. Without either, the tests skip and say why;
  with ``JOBTRAIL_REQUIRE_BROWSER=1`` (``.ci/run``) they fail instead.
- Screenshots: ``shoot(page, name)`` saves the page as ``NAME.png`` in ``JOBTRAIL_SCREENSHOTS`` (``make
  screenshots`` sets it to ``docs/screenshots``), else in the test's temporary folder.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cli_process import REPO, SOURCE_PATH, run_jobtrail

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REQUIRE_BROWSER = "JOBTRAIL_REQUIRE_BROWSER"
SCREENSHOTS = "JOBTRAIL_SCREENSHOTS"
#: What the probe of this kind of machine found Chromium needs here: no GPU, no sandbox as root, and none of
#: its background connections (refused by the closed network, many at a time).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Seconds for the demo, and for the UI to print its URL.
DEMO_SECONDS = 300
START_SECONDS = 60


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason} ({REQUIRE_BROWSER}=1: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    given = os.environ.get("JOBTRAIL_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        _unavailable("headless Chromium not found: install Debian's chromium (make test does, as root)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this tier needs it
    except ImportError:
        _unavailable("Playwright for Python is not installed (make install brings it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A new page in a context of its own (no cookie from another test), 1400 x 1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


class DemoUi:
    """``jobtrail --local ui`` serving the demo's history: its process and the URL it printed."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "PYTHONPATH": SOURCE_PATH, "JOBTRAIL_HOME": str(home), "BROWSER": ""}
        self.process = subprocess.Popen(  # this interpreter, our CLI
            [sys.executable, "-m", "jobtrail", "--local", "ui", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=REPO,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._printed_url()
        #: Where the pages are, without the token: what a visitor who was never given it would try.
        self.base = self.url.split("/jobs?", 1)[0]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def _printed_url(self) -> str:
        try:
            while True:
                line = self.lines.get(timeout=START_SECONDS)
                if line.startswith("Open "):
                    return line.split(" ", 1)[1].strip()
        except queue.Empty:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"jobtrail ui printed no URL in {START_SECONDS} s: {err[-2000:]}") from None

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user stops it: its exit status and what it wrote to stderr."""
        self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
        return self.process.returncode, err


@pytest.fixture(scope="session")
def demo_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoUi]:
    home = tmp_path_factory.mktemp("ui-demo") / ".jobtrail"
    if os.environ.get(SCREENSHOTS):
        # The pages name the demo's folder: the README's screenshots show a short one
        home = Path(tempfile.gettempdir()) / "jobtrail-demo" / ".jobtrail"
        shutil.rmtree(home.parent, ignore_errors=True)
    demo = run_jobtrail("demo", env={"JOBTRAIL_HOME": str(home)}, cwd=REPO, timeout=DEMO_SECONDS)
    assert demo.returncode == 0, demo.stderr[-2000:]
    try:
        ui = DemoUi(home)
        try:
            yield ui
        finally:
            code, err = ui.stop()
            assert code == 0, f"jobtrail ui exited {code} on Ctrl-C: {err[-2000:]}"
            assert "Traceback" not in err
    finally:
        run_jobtrail("demo", "--stop", env={"JOBTRAIL_HOME": str(home)}, cwd=REPO)


@pytest.fixture
def shoot(tmp_path: Path) -> Callable[[Page, str], Path]:
    """Save a screenshot of the whole page as NAME.png (``JOBTRAIL_SCREENSHOTS``, else tmp_path)."""
    folder = Path(os.environ.get(SCREENSHOTS) or tmp_path)

    def take(page: Page, name: str, **options: Any) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, **options)
        return path

    return take
