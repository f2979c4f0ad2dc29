"""Fixtures for the app tests; the helpers themselves live in apphelpers.py."""

import pytest

from apphelpers import EDGE_PROMPTS


@pytest.fixture(params=list(EDGE_PROMPTS), ids=list(EDGE_PROMPTS))
def edge_prompt(request) -> str:
    return EDGE_PROMPTS[request.param]
