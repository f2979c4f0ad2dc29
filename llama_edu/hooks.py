"""Named hook points: every intermediate value of the model, by name, for the call that asks for it.

A `HookPoint` sits in the forward pass and passes its input through unchanged. Its name is its module path
(`layers.0.attention.hook_pattern`), so the names read like the model's own parameter names. What a hook
point does with a tensor depends only on the *current call*: the hooks of a call live in a context variable,
not on the module. One model can therefore be shared by a whole classroom: thirty threads capturing at once
each get their own tensors, and nothing is ever left registered on the model.

    logits, cache = model.run_with_cache(tokens)                     # capture everything
    logits = model.run_with_hooks(tokens, fwd_hooks=[(name, fn)])    # fn(tensor, name) -> tensor or None
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

HookFn = Callable[[torch.Tensor, str], "torch.Tensor | None"]

# name -> hook functions, for the forward pass running in this thread/context; None when nothing listens.
_ACTIVE_HOOKS: contextvars.ContextVar[dict[str, list[HookFn]] | None] = contextvars.ContextVar(
    "llama_edu_active_hooks", default=None)


class HookPoint(nn.Module):
    """Identity with a name. `shape` documents what flows through it, e.g. "[batch, n_heads, query, key]"."""

    def __init__(self, shape: str):
        super().__init__()
        self.shape = shape
        self.name = ""  # set by the model once it is built: the module path

    # __call__ is overridden (not forward) so that a forward pass nobody listens to pays one dictionary
    # lookup per hook point, not nn.Module's full call machinery.
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        hooks = _ACTIVE_HOOKS.get()
        if hooks is None:
            return x
        for fn in hooks.get(self.name, ()):
            out = fn(x, self.name)
            if out is not None:
                x = out
        return x

    def extra_repr(self) -> str:
        return self.shape


def hooks_active() -> bool:
    """True while some call listens: the model then takes its explicit, step-by-step attention path."""
    return _ACTIVE_HOOKS.get() is not None


@contextlib.contextmanager
def active_hooks(fwd_hooks: Iterable[tuple[str, HookFn]], known_names: Iterable[str]) -> Iterator[None]:
    """Run the body with these hooks listening, in this context only; they are gone on exit, even on error."""
    known = set(known_names)
    table: dict[str, list[HookFn]] = {}
    outer = _ACTIVE_HOOKS.get()
    if outer:  # nested use (e.g. capture while ablating) keeps the outer hooks, which run first
        for name, fns in outer.items():
            table[name] = list(fns)
    for name, fn in fwd_hooks:
        if name not in known:
            raise KeyError(f"no hook point named {name!r}; model.hook_names() lists them")
        table.setdefault(name, []).append(fn)
    token = _ACTIVE_HOOKS.set(table)
    try:
        yield
    finally:
        _ACTIVE_HOOKS.reset(token)


def select_names(names: list[str], names_filter: None | str | Iterable[str] | Callable[[str], bool]) -> list[str]:
    """None: all; a string: a regular expression searched in each name; a list: exactly those; a callable."""
    if names_filter is None:
        return list(names)
    if isinstance(names_filter, str):
        pattern = re.compile(names_filter)
        return [n for n in names if pattern.search(n)]
    if callable(names_filter):
        return [n for n in names if names_filter(n)]
    wanted, known = list(names_filter), set(names)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise KeyError(f"no hook point named {unknown[0]!r}; model.hook_names() lists them")
    return wanted


class HookedModule(nn.Module):
    """What the Transformer inherits to be opened up: naming, listing, capturing and intervening."""

    def _name_hook_points(self) -> None:
        """Give every HookPoint its module path as its name; called once, when the model is built."""
        self._hook_points = {name: m for name, m in self.named_modules() if isinstance(m, HookPoint)}
        for name, module in self._hook_points.items():
            module.name = name

    def hook_points(self) -> dict[str, HookPoint]:
        return dict(self._hook_points)

    def hook_names(self) -> list[str]:
        """Every hook name, in the order the forward pass reaches them."""
        return list(self.hook_points())

    def hook_shapes(self) -> dict[str, str]:
        return {name: m.shape for name, m in self.hook_points().items()}

    def run_with_hooks(self, tokens: torch.Tensor, fwd_hooks: Iterable[tuple[str, HookFn]] = (),
                       **forward_kwargs) -> torch.Tensor:
        """Forward pass with fwd_hooks = [(hook name, fn(tensor, name) -> replacement or None)]."""
        with active_hooks(fwd_hooks, self._hook_points):
            return self(tokens, **forward_kwargs)

    @torch.no_grad()
    def run_with_cache(self, tokens: torch.Tensor, names_filter=None, fwd_hooks: Iterable[tuple[str, HookFn]] = (),
                       **forward_kwargs) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Forward pass that returns (logits, {hook name: tensor}) for the hooks names_filter selects.

        fwd_hooks run before the capture, so the cache shows the effect of an intervention downstream.
        """
        cache: dict[str, torch.Tensor] = {}

        def save(x: torch.Tensor, name: str) -> None:
            cache[name] = x.detach()

        wanted = select_names(self.hook_names(), names_filter)
        with active_hooks(list(fwd_hooks) + [(n, save) for n in wanted], self._hook_points):
            logits = self(tokens, **forward_kwargs)
        return logits, cache
