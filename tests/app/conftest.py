"""Fixtures for the app tests; the helpers themselves live in apphelpers.py."""

from pathlib import Path

import pytest

from apphelpers import EDGE_PROMPTS

APP_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Every test here runs Streamlit pages through AppTest (seconds each), so all of them are `slow`: a
    `pytestmark` in a conftest would not reach the test modules, this hook does."""
    for item in items:
        if APP_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=list(EDGE_PROMPTS), ids=list(EDGE_PROMPTS))
def edge_prompt(request) -> str:
    return EDGE_PROMPTS[request.param]
