"""The classroom server's settings (.streamlit/config.toml): what a student can reach is what the app offers."""

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_xsrf_protection_stays_on():
    assert CONFIG["server"]["enableXsrfProtection"] is True


def test_students_see_messages_not_tracebacks_and_no_developer_menu():
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["client"]["toolbarMode"] == "viewer"


def test_no_uploads_because_the_app_has_no_upload_widget():
    assert CONFIG["server"]["maxUploadSize"] <= 1
    code = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    assert not re.search(r"\bfile_uploader\b|\bcamera_input\b", code)


def test_the_model_picker_never_takes_a_path_from_the_browser():
    """Models are offered from the server's folder only: no text input names a checkpoint path."""
    common = (ROOT / "app" / "common.py").read_text()
    assert "LLAMA_EDU_MODELS" in common
    assert not re.search(r"text_input\([^)]*(path|folder|checkpoint)", common, re.I)
