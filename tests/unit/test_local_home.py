"""Where local data lives (``jobtrail demo``, ``jobtrail --local``): one documented home, whatever the cwd."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobtrail_local.local_stack import CHECKOUT_MARKER, HOME_ENV, where


@pytest.fixture
def nowhere_special(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No JOBTRAIL_HOME, no XDG_DATA_HOME, HOME in a temporary directory."""
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def checkout(root: Path) -> Path:
    (root / CHECKOUT_MARKER).parent.mkdir(parents=True)
    (root / CHECKOUT_MARKER).touch()
    return root


def test_inside_a_checkout_the_home_is_its_jobtrail_folder_from_any_subdirectory(
    nowhere_special: Path,
) -> None:
    # Given a jobtrail checkout and a directory deep inside it
    repo = checkout(nowhere_special / "jobtrail")
    below = repo / "events" / "lifecycles"
    below.mkdir(parents=True)

    # When the home is looked up from there and from the checkout itself
    homes = {where(below), where(repo)}

    # Then both are the checkout's .jobtrail/, and say so
    assert homes == {where(repo)}
    assert where(below).path == repo / ".jobtrail"
    assert "checkout" in where(below).why


def test_outside_a_checkout_the_home_is_the_per_user_data_directory(nowhere_special: Path) -> None:
    elsewhere = nowhere_special / "elsewhere"
    elsewhere.mkdir()

    home = where(elsewhere)

    assert home.path == nowhere_special / "home" / ".local" / "share" / "jobtrail"
    assert "per-user" in home.why


def test_xdg_data_home_moves_the_per_user_directory_but_a_relative_one_is_ignored(
    nowhere_special: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(nowhere_special / "data"))
    assert where(nowhere_special).path == nowhere_special / "data" / "jobtrail"

    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert where(nowhere_special).path == nowhere_special / "home" / ".local" / "share" / "jobtrail"


def test_jobtrail_home_overrides_everything(nowhere_special: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = checkout(nowhere_special / "jobtrail")
    monkeypatch.setenv(HOME_ENV, str(nowhere_special / "mine"))

    home = where(repo)

    assert home.path == nowhere_special / "mine"
    assert home.why == f"${HOME_ENV}"
