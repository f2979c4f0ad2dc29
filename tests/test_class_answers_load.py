"""tools/class_answers_load.py, small: students answer at once through the balancer and two replicas sharing one
class store, some change their answer; the store's counts must equal their last answers exactly. The full run (30
students) is the script's default; its numbers are in README."""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "class_answers_load.py"

pytestmark = [pytest.mark.slow,  # two replicas and a balancer: ~20 s
              pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
                                 reason="Debian's haproxy is not installed (.ci/run installs it)")]


def test_students_answering_at_once_through_the_balancer_count_once_each(capsys):
    spec = importlib.util.spec_from_file_location("class_answers_load", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["class_answers_load"] = module
    spec.loader.exec_module(module)
    assert module.main(["--students", "6", "--changers", "3"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "students per replica: r0 3, r1 3" in out
