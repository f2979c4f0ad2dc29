"""The app's pages, found in app/views/: each view file declares where it sits in the navigation,

    PAGE = {"section": "inside_block", "order": 30, "title": "app.nav.attention", "icon": ":material/visibility:",
            "heading": "app.attention.who_looks"}

and this module reads that dictionary from the file's source without running it (a view is a script that draws).
A new page is therefore two edits: its view file and its strings. `title` and `heading` are keys of
llama_edu/strings/*.yaml: the name in the navigation, and a heading the page always shows (the tests check it in
every language). `default` marks the page a bare URL opens.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass
from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"
# The navigation's sections, in order; each one's name is the strings key f"app.nav.{section}".
SECTIONS = ["start", "inside_block", "generating", "experiments"]


@dataclass(frozen=True)
class PageSpec:
    path: Path  # the view file
    section: str
    order: int  # place within the section, smallest first
    title: str  # strings key of the navigation entry
    icon: str  # a Streamlit material icon (they ship with Streamlit and render offline)
    heading: str | None = None  # strings key of a heading the page always shows
    default: bool = False

    @property
    def url_path(self) -> str:
        """The page's URL (/attention): the file's name, the same in every language."""
        return self.path.stem


# CPython 3.11's parser is not safe from several threads at once: thirty first visits to a fresh class server failed
# one page with "SystemError: AST constructor recursion depth mismatch" in ast.parse below. One parse at a time.
_PARSING = threading.Lock()


def read_page(path: Path) -> PageSpec:
    """The PAGE dictionary of one view file, checked; ValueError naming the file if it is missing or wrong."""
    with _PARSING:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["PAGE"]:
            try:
                spec = PageSpec(path=path, **ast.literal_eval(node.value))
            except (ValueError, TypeError) as err:
                raise ValueError(f"{path.name}: PAGE must be a literal dict of {list(PageSpec.__annotations__)[1:]}"
                                 f" ({err})") from None
            if spec.section not in SECTIONS:
                raise ValueError(f"{path.name}: section {spec.section!r} is none of {SECTIONS}")
            return spec
    raise ValueError(f"{path.name} has no PAGE = {{...}}: every file in app/views/ is a page and says where it sits")


_SPECS: list[PageSpec] = []
_READING = threading.Lock()


def page_specs() -> list[PageSpec]:
    """Every page, in navigation order (section, then order). Read once per process: every script run of every
    student asks for them, and the view files do not change while the server runs."""
    with _READING:
        if not _SPECS:
            specs = [read_page(path) for path in sorted(VIEWS.glob("*.py"))]
            if sum(spec.default for spec in specs) != 1:
                raise ValueError("exactly one page must be the default")
            _SPECS.extend(sorted(specs, key=lambda spec: (SECTIONS.index(spec.section), spec.order, spec.url_path)))
    return list(_SPECS)

