"""The install files say what the code imports: requirements.txt for the app and the library, requirements-dev.txt
for the tests and tools, pyproject.toml for the library; and README's two install commands are the ones used."""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_ONLY = {"pytest", "transformers", "playwright"}
# Imported where a test reference belongs, not by the app: llama_edu/bench.py times the model against transformers.
LIBRARY_TEST_REFERENCES = {"transformers"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(file: str) -> set[str]:
    """The distributions a requirements file names, following `-r other.txt`."""
    names = set()
    for line in (ROOT / file).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(line.removeprefix("-r ").strip())
        elif line:
            names.add(canonical(re.split(r"[<>=!~;\[ ]", line)[0]))
    return names


def pyproject_dependencies() -> set[str]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {canonical(re.split(r"[<>=!~;\[ ]", dep)[0]) for dep in project["dependencies"]}


def imported_distributions(*folders: str) -> dict[str, set[str]]:
    """{distribution: files importing it} for every third-party module imported under these folders."""
    local = {"llama_edu", "app", "tests", "tools"} | {p.stem for f in folders for p in (ROOT / f).rglob("*.py")}
    providers = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in local:
                        continue
                    # A module several distributions provide (xstatic) counts as any of them: the first named wins.
                    for dist in providers.get(top, [top]):
                        found.setdefault(canonical(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def unlisted(found: dict[str, set[str]], listed: set[str]) -> dict[str, set[str]]:
    """The imports no listed distribution provides (a module provided by several counts if any one is listed)."""
    providers = importlib.metadata.packages_distributions()
    by_module: dict[str, set[str]] = {}
    for module, dists in providers.items():
        by_module.setdefault(module, set()).update(canonical(d) for d in dists)
    missing = {}
    for dist, files in found.items():
        siblings = {d for dists in by_module.values() if dist in dists for d in dists} | {dist}
        if not siblings & listed:
            missing[dist] = files
    return missing


def test_requirements_txt_pins_torch_and_holds_no_test_packages():
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==2\.13\.0$", text, re.MULTILINE), "the torch pin keeps a multi-GB CUDA build out"
    assert not requirement_names("requirements.txt") & TEST_ONLY


def test_requirements_dev_txt_is_the_app_plus_the_test_packages():
    assert (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").count("-r requirements.txt") == 1
    assert TEST_ONLY <= requirement_names("requirements-dev.txt")


def test_the_app_and_library_import_only_what_requirements_txt_installs():
    found = imported_distributions("app", "llama_edu")
    for dist in LIBRARY_TEST_REFERENCES:
        assert found.pop(dist, set()) <= {"llama_edu/bench.py"}, f"{dist} is a test reference: the app must not import it"
    assert not unlisted(found, requirement_names("requirements.txt"))


def test_tests_and_tools_import_only_what_requirements_dev_txt_installs():
    assert not unlisted(imported_distributions("tests", "tools"), requirement_names("requirements-dev.txt"))


def test_pyproject_dependencies_are_the_librarys_imports_and_in_requirements_txt():
    deps = pyproject_dependencies()
    assert deps <= requirement_names("requirements.txt")
    found = imported_distributions("llama_edu")
    for dist in LIBRARY_TEST_REFERENCES:
        found.pop(dist, None)
    assert not unlisted(found, deps)


def readme_command(heading: str) -> str:
    """The command in the ```bash block that follows the bold line starting with `heading`."""
    match = re.search(rf"^\*\*{re.escape(heading)}[^\n]*\n+```bash\n([^\n]+)\n```", README, re.MULTILINE)
    assert match, f"README has no {heading!r} command"
    return match.group(1)


def test_readme_installs_the_app_from_requirements_txt_and_the_tests_from_requirements_dev_txt():
    app = readme_command("Install and start the app")
    tests = readme_command("Install and run the tests")
    assert "pip install -r requirements.txt -e ." in app
    assert "pip install -r requirements-dev.txt -e ." in tests
    assert "python -m pytest" in tests


def test_ci_runs_readmes_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_command("Install and run the tests") in ci


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-dev.txt"])
def test_every_named_distribution_is_installed_here(file):
    """A name that installs nothing (a typo) would pass the checks above by never being imported."""
    for name in requirement_names(file):
        importlib.metadata.distribution(name)
