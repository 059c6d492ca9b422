"""Fixtures shared by the tests: a copy of the project's data to edit, the project's whole
scope loaded once, and each distinct book built once per session (``book_builds``; a test
marked ``fresh_book`` builds for real). The test helpers beside this file (synthetic.py,
filetools.py, book_builds.py) are made importable."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.paths import PROJECT_DATA  # noqa: E402

# The test files that take longest (they run notebooks, reports or many validations), longest
# first (processor time of each file, measured alone): the workers start on them, and the many
# short files fill in at the end, instead of one worker finishing a long file alone
# (pyproject.toml: --no-loadscope-reorder keeps this order). xdist hands each worker two files
# at the start, so a short file comes third: the worker that has the guide's walk-through, the
# longest, takes the short one with it, and the other worker the third-longest. A file not
# named here runs after these, in collection order.
LONGEST_FIRST = (
    "tests/test_adapting_guide.py",
    "tests/test_synthetic_report.py",
    "tests/test_architecture.py",
    "tests/test_safe_outputs.py",
    "tests/test_papermill_by_hand.py",
    "tests/test_validate_input.py",
    "tests/test_study.py",
    "tests/test_incremental_report.py",
    "tests/test_coding_workflow.py",
    "tests/test_validate_corpus.py",
    "tests/test_site_browser.py",
    "tests/test_figures.py",
    "tests/test_report.py",
    "tests/test_site.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (``LONGEST_FIRST``); the order within a file is kept, so that a
    notebook's cells stay in order for nbval."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_book: Sphinx builds the book for real, not from the session's builds"
    )


@pytest.fixture(scope="session")
def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test session shared by its xdist workers (each worker's temporary
    folder is one level below the session's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def shared_books(session_folder: Path) -> Iterator[None]:
    """Sphinx builds each distinct book once per session (see ``book_builds``)."""
    from book_builds import shared

    from helpers.publish.book import assemble

    store = session_folder / "books"
    store.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assemble, "run_sphinx", shared(store, assemble.run_sphinx))
        yield


@pytest.fixture(autouse=True)
def fresh_book(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test marked ``fresh_book`` has Sphinx build its books for real."""
    if request.node.get_closest_marker("fresh_book"):
        from helpers.publish.book import assemble, build

        monkeypatch.setattr(assemble, "run_sphinx", build.run_sphinx)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the project's data directory in the test's own folder, to edit."""
    return Path(shutil.copytree(PROJECT_DATA, tmp_path / "data"))


@pytest.fixture(scope="session")
def project_scope():
    """The project's dataset, validated and loaded, every partner, year and theme in scope."""
    from helpers.analysis.scope import resolve

    return resolve(PROJECT_DATA)
