"""Shared fixtures. Golden files are regenerated on purpose with --update-golden, never by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files from the current output")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Every test (and every process it starts) keeps anthology's cache in a temporary folder
    of the session, never in the user's ``~/.cache/anthology``."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with tests/golden/NAME, or rewrite it under --update-golden."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}: run `make golden` and review the diff"
        assert text == path.read_text(encoding="utf-8"), (
            f"output differs from {path}; if the change is intended, run `make golden` and "
            "review the diff")

    return check


@pytest.fixture
def mini() -> Path:
    return FIXTURES / "manuscripts" / "mini"


@pytest.fixture
def serge() -> Path:
    return ROOT / "seeds" / "serge"


@pytest.fixture
def seed_text() -> str:
    return (ROOT / "seeds" / "000_3a4a934c17996d42.txt").read_text(encoding="utf-8")
