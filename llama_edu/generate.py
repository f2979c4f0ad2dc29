"""Generating text one token at a time: logits -> a probability distribution -> the next token.

    prefill:  run the whole prompt once; with a KV cache its keys and values are stored
    decode:   feed only the newest token; attention reads the earlier ones from the cache
              (without a cache, every step re-runs the whole sequence: same tokens, more work)

The sampling knobs, applied in this order to the last position's logits:
    temperature  divide the logits by T: T < 1 sharpens, T > 1 flattens, T = 0 means greedy (argmax)
    top_k        keep only the k most likely tokens
    top_p        keep the smallest set of most likely tokens whose probabilities sum to at least p ("nucleus")
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import torch

from .hooks import hooks_active
from .model import KVCache, Transformer


def check_sampling(temperature: float = 0.0, top_k: int | None = None, top_p: float | None = None) -> None:
    """ValueError, naming the valid range, for any parameter outside it."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not math.isfinite(temperature) \
            or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0 = greedy), got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be None or an integer >= 1, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be None or a number in (0, 1], got {top_p!r}")


def next_token_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None) -> torch.Tensor:
    """The distribution the next token is drawn from, after temperature, top-k and top-p.   [..., V] -> [..., V]

    At temperature 0 all probability sits on the argmax (greedy decoding). The app redraws its bars from
    stored logits with this function, so moving a slider never re-runs the model.
    """
    check_sampling(temperature, top_k, top_p)
    logits = logits.float()
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth_largest = torch.topk(logits, top_k, dim=-1).values[..., -1:]  # [..., 1]
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        # Drop a token when the tokens ranked above it already reach p; the most likely token always stays.
        mass_before = sorted_probs.cumsum(-1) - sorted_probs
        sorted_probs = sorted_probs.masked_fill(mass_before >= top_p, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
        probs = probs / probs.sum(-1, keepdim=True)
    return probs


def candidates_and_entropy(probs: torch.Tensor) -> tuple[int, float]:
    """(tokens that can still be drawn, entropy in bits) of a distribution [V]: how much choice is left."""
    p = probs.float()
    nonzero = p[p > 0]
    entropy = float(-(nonzero * nonzero.log2()).sum())
    # A one-hot gives -0.0 (shown as "-0.00 bits"), rounding can give -1e-9: clamp, and + 0.0 turns -0.0 into 0.0.
    return int(nonzero.numel()), max(entropy, 0.0) + 0.0


def sample_next_token(logits: torch.Tensor, temperature: float = 0.0, top_k: int | None = None,
                      top_p: float | None = None, generator: torch.Generator | None = None) -> int:
    """One token id from the last position's logits [V]."""
    if temperature == 0:
        check_sampling(temperature, top_k, top_p)
        return int(logits.argmax(-1))
    probs = next_token_probs(logits, temperature, top_k, top_p)
    return int(torch.multinomial(probs, 1, generator=generator))


def check_generation(model: Transformer, prompt: list[int], max_new_tokens: int, temperature: float,
                     top_k: int | None, top_p: float | None) -> None:
    """ValueError, saying what to change, for any argument generate() cannot honour."""
    check_sampling(temperature, top_k, top_p)
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be an integer >= 0, got {max_new_tokens!r}")
    if not prompt:
        raise ValueError("the prompt is empty: give at least one token (the BOS token counts)")
    vocab, context = model.cfg.vocab_size, model.cfg.max_seq_len
    if any(not 0 <= t < vocab for t in prompt):
        raise ValueError(f"prompt token ids must be in [0, {vocab}), got {[t for t in prompt if not 0 <= t < vocab][:5]}")
    if len(prompt) + max_new_tokens > context:
        raise ValueError(f"the prompt has {len(prompt)} tokens and {max_new_tokens} more were asked for, but the "
                         f"model's context is {context} tokens: shorten the prompt or ask for at most "
                         f"{max(context - len(prompt), 0)} new tokens")


def prefill(model: Transformer, tokens: torch.Tensor, cache: KVCache | None) -> torch.Tensor:
    """Run the whole prompt [1, T] once (its keys and values go to the cache); the last position's logits [V]."""
    return model(tokens, cache=cache, last_only=True)[0, -1]


def decode_one_token(model: Transformer, text: list[int], cache: KVCache | None,
                     graph: StepGraph | None = None) -> torch.Tensor:
    """The logits [V] after the newest token of `text`, the ids so far (prompt included).

    With a cache only the newest token is run: attention reads the earlier ones' keys and values from the cache
    (replayed from a CUDA graph when one is given). Without, the whole text is run again: same logits, more work.
    """
    if cache is None:
        return model(torch.tensor([text], device=model.device), last_only=True)[0, -1]
    if graph is not None:
        return graph(text[-1])[0, -1]
    return model(torch.tensor([text[-1:]], device=model.device), cache=cache)[0, -1]


class Decoding:
    """A text being generated, one token per step(): what generate() keeps between two tokens (the ids so far, the
    KV cache, the random generator, the logits for the next token). generate() is a loop over it; a page that
    takes one step per click holds one, and shows exactly what generate(seed=...) gives for the same settings.
    Sampling settings are per step, so a student may move a slider between two clicks."""

    def __init__(self, model: Transformer, prompt_ids: Iterable[int], max_new_tokens: int, seed: int | None = None,
                 use_cache: bool = True, cuda_graph: bool | None = None):
        self.prompt = [int(t) for t in prompt_ids]
        check_generation(model, self.prompt, max_new_tokens, 0.0, None, None)
        self.model, self.max_new_tokens, self.new_ids = model, max_new_tokens, []
        self.generator = torch.Generator(device=model.device)
        if seed is None:
            self.generator.seed()  # fresh entropy; a new Generator would otherwise always start from one default seed
        else:
            self.generator.manual_seed(seed)
        self.cache = model.new_kv_cache(max_len=len(self.prompt) + max_new_tokens) if use_cache else None
        if cuda_graph is None:
            cuda_graph = use_cache and model.device.type == "cuda" and not hooks_active() and max_new_tokens > 1
        if cuda_graph and model.device.type != "cuda":
            raise ValueError("CUDA graphs need the model on a CUDA device")
        self.cuda_graph, self.graph = cuda_graph, None
        self.logits: torch.Tensor | None = None  # [V] for the token after self.ids; None until needed

    @property
    def ids(self) -> list[int]:
        return self.prompt + self.new_ids

    @property
    def done(self) -> bool:
        return len(self.new_ids) >= self.max_new_tokens

    @torch.inference_mode()
    def next_logits(self) -> torch.Tensor:
        """The logits [V] for the token after the text so far: the prefill first, then one decode per new token."""
        if self.logits is None:
            if not self.new_ids:
                self.logits = prefill(self.model, torch.tensor([self.prompt], device=self.model.device), self.cache)
                if self.cuda_graph:
                    self.graph = StepGraph(self.model, self.cache)
            else:
                self.logits = decode_one_token(self.model, self.ids, self.cache, self.graph)
        return self.logits

    def step(self, temperature: float = 0.0, top_k: int | None = None, top_p: float | None = None) -> int:
        """Draw the next token with these settings, append it and return it."""
        check_sampling(temperature, top_k, top_p)
        if self.done:
            raise ValueError(f"all {self.max_new_tokens} new tokens asked for have been generated")
        token = sample_next_token(self.next_logits(), temperature, top_k, top_p, self.generator)
        self.new_ids.append(token)
        self.logits = None  # computed when the next step (or a page's bars) asks for it, not before
        return token


@torch.inference_mode()
def generate(model: Transformer, prompt_ids: Iterable[int], max_new_tokens: int = 20, temperature: float = 0.0,
             top_k: int | None = None, top_p: float | None = None, use_cache: bool = True, seed: int | None = None,
             stop_ids: Iterable[int] = (), cuda_graph: bool | None = None) -> Iterator[int]:
    """Yield each new token id as soon as it is chosen.

    seed makes sampling reproducible (a generator private to this call; the global RNG is never touched).
    Generation ends after max_new_tokens or at a token in stop_ids (which is yielded).
    cuda_graph: replay each decode step from a CUDA graph (default: on a GPU with the cache, when no hook
    listens). Same tokens, far fewer kernel launches; see StepGraph.
    """
    prompt = [int(t) for t in prompt_ids]
    check_generation(model, prompt, max_new_tokens, temperature, top_k, top_p)
    decoding = Decoding(model, prompt, max_new_tokens, seed, use_cache, cuda_graph)
    stop = set(stop_ids)
    while not decoding.done:
        token = decoding.step(temperature, top_k, top_p)
        yield token
        if token in stop:
            return


class StepGraph:
    """One decode step recorded as a CUDA graph, replayed for every new token.

    At batch size 1 a step of a 7B model is about 2,000 small kernels, and launching them one by one from Python
    can take longer than running them: measured on an H100, 41 tokens/s where memory bandwidth allows ~250.
    A CUDA graph records the launches once and replays them with one call. The recorded call is the model's own
    forward, given its position as a tensor (Transformer.forward's `positions`): everything it reads then lives
    in fixed tensors (the token, its position, the preallocated KV cache), so one recording serves every step.
    A replay runs no Python, so the cache's length, which forward advances, is advanced here after each replay.
    """

    def __init__(self, model: Transformer, cache: KVCache):
        if model.device.type != "cuda":
            raise ValueError("CUDA graphs need the model on a CUDA device")
        self.cache = cache
        self.token = torch.zeros(1, 1, dtype=torch.long, device=model.device)  # [1, 1], refilled each step
        self.position = torch.full((1,), cache.length, dtype=torch.long, device=model.device)  # [1]
        length = cache.length
        side = torch.cuda.Stream()  # warm-up runs off the main stream, as torch.cuda.graphs asks
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side), torch.inference_mode():
            for _ in range(2):  # writes into the slot the first real step overwrites before anything reads it
                cache.length = length
                model(self.token, cache=cache, positions=self.position)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        # thread_local: other students' threads may launch work on this GPU while this thread records.
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"), torch.inference_mode():
            cache.length = length
            self.logits = model(self.token, cache=cache, positions=self.position)  # [1, 1, V], rewritten by replays
        cache.length = length  # recording wrote nothing that counts: the first real step takes this slot

    def __call__(self, token: int) -> torch.Tensor:
        """Logits [1, 1, V] after `token`, which goes to the next free position of the cache."""
        self.token.fill_(token)
        self.position.fill_(self.cache.length)
        self.graph.replay()
        self.cache.length += 1
        return self.logits
