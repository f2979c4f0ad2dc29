"""Live elements: each figure or widget group of the app as one function, so pages and lessons share them.

An element renders itself into the current Streamlit container from the real model and the student's prompt:

    @element("attention_heatmap")
    def attention_heatmap(cur: Current, key: str) -> None: ...

`key` prefixes every widget key the element creates, so the same element can appear on a page and in a
lesson step without the two sharing widget state. Pages call `render(name, cur, key)`; lessons name elements in
their YAML (`element: attention_heatmap`). Each module of this package registers the elements of one topic; a new
module is found by itself (no list to edit).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

ElementFn = Callable[..., None]
ELEMENTS: dict[str, ElementFn] = {}



def topics() -> list[str]:
    """The modules of this package: one per topic; importing one registers its elements."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__))


def element(name: str) -> Callable[[ElementFn], ElementFn]:
    def register(fn: ElementFn) -> ElementFn:
        if name in ELEMENTS and ELEMENTS[name] is not fn:
            raise ValueError(f"two elements are called {name!r}")
        ELEMENTS[name] = fn
        return fn
    return register


def load_all() -> dict[str, ElementFn]:
    for topic in topics():
        importlib.import_module(f"{__name__}.{topic}")
    return ELEMENTS


# An element's module is found from the sources without importing the others: importing every topic (and what each
# one imports: the training corpus, bertviz's helpers) cost the app's first page up to a second on 2 cores.
_REGISTERED = re.compile(r"""^@element\(\s*["']([^"']+)["']""", re.MULTILINE)


@functools.cache
def _topic_of() -> dict[str, str]:
    """{element name: the module of this package that registers it}, read from each module's @element lines."""
    folder = Path(__file__).resolve().parent
    return {name: topic for topic in topics()
            for name in _REGISTERED.findall((folder / f"{topic}.py").read_text(encoding="utf-8"))}


def render(name: str, cur, key: str) -> None:
    """Draw element `name` for the current model and prompt; widget keys start with `key`."""
    if name not in ELEMENTS and name in _topic_of():
        importlib.import_module(f"{__name__}.{_topic_of()[name]}")
    if name not in ELEMENTS:
        load_all()  # registered some other way: look everywhere
    if name not in ELEMENTS:
        raise KeyError(f"no live element called {name!r}; known: {', '.join(sorted(ELEMENTS))}")
    ELEMENTS[name](cur, key)
