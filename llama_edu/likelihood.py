"""Scoring text by its likelihood: how benchmarks ask a language model multiple-choice questions, and perplexity.

A multiple-choice benchmark never lets the model write an answer. Each option is appended to the question and the
model's log-probability of the option's tokens is read off, token by token (the "cloze" form of GPT-3 and of
EleutherAI's lm-evaluation-harness):

    log P(option | question) = sum over the option's tokens t of log P(t | question, earlier tokens of the option)

and the model "answers" with the option that scores highest. Three rules are in use:

    total          the sum above                          lm-evaluation-harness's `acc`
    per token      the sum / the option's tokens          GPT-3's rule for most tasks
    per character  the sum / the option's characters      lm-evaluation-harness's `acc_norm`; the LLaMA paper's rule

A longer option has more tokens, each with a log-probability below zero, so the total favours short options; the
normalised rules divide that length out. Few-shot: solved examples are written before the question, in the same
form, and nothing else changes.

Perplexity is the same quantity over a whole text: exp(mean loss per token). Its "per token" depends on the
tokenizer, so this project reports bits per character instead (llama_edu.evaluate.bits_per_character).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .model import Transformer
from .tokenizer import Tokenizer

RULES = ("total", "per_token", "per_character")
# Characters per token of English text with LLaMA 1 and 2's tokenizer and Llama 3's (Llama 3 paper §3.1.2, lesson 10).
LLAMA2_CHARACTERS_PER_TOKEN, LLAMA3_CHARACTERS_PER_TOKEN = 3.17, 3.94


@dataclass(frozen=True)
class Item:
    """A multiple-choice question: the options continue the question (each starts with its space)."""
    question: str
    options: tuple[str, ...]
    answer: int  # index of the right option

    def solved(self) -> str:
        return self.question + self.options[self.answer]


# A small benchmark in the tiny model's own words (every word occurs in its training text; the tests check it), the
# right answer first in the data and shuffled by nothing: scores never depend on an option's position.
ITEMS = (
    Item("The cat sat on the", (" mat.", " moon.", " soup."), 0),
    Item('"Moo!" mooed the', (" cow.", " cat.", " duck."), 0),
    Item("The frog sat on the", (" lily pad.", " mat.", " moon."), 0),
    Item("Lagos is in", (" Nigeria.", " France.", " Japan."), 0),
    Item("Snow is", (" white.", " green.", " loud."), 0),
    Item("Chloe had 8 oranges. Then Kerem gave her 5 more. Now she had", (" 13 oranges.", " 3 oranges.",
                                                                         " 85 oranges."), 0),
    Item("The sun is", (" hot.", " cold.", " blue."), 0),
    Item("It was pouring with rain, so he took his", (" umbrella.", " sunglasses.", " sandals."), 0),
    Item("Bees make", (" honey.", " milk.", " bread."), 0),
    Item("The bird sat on the", (" fence.", " moon.", " soup."), 0),
)
# Solved examples for few-shot prompts, kept apart from ITEMS as a benchmark keeps its examples apart from its test
# questions.
SHOTS = (
    Item("Paris is in", (" France.", " Nigeria.", " the sea."), 0),
    Item("Birds can", (" fly.", " bark.", " read."), 0),
    Item("Ice is", (" cold.", " hot.", " loud."), 0),
)


@dataclass(frozen=True)
class OptionScore:
    text: str  # the option as appended to the question
    pieces: list[str]  # its tokens
    token_logprobs: list[float]  # natural log of each token's probability, given everything before it

    @property
    def total(self) -> float:
        return sum(self.token_logprobs)

    @property
    def per_token(self) -> float:
        return self.total / len(self.token_logprobs)

    @property
    def per_character(self) -> float:
        return self.total / len(self.text)

    def score(self, rule: str) -> float:
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; there are {RULES}")
        return getattr(self, rule)


def few_shot_prompt(question: str, shots: tuple[Item, ...] | list[Item] = ()) -> str:
    """The question after the solved examples, each written out as one sentence: "Paris is in France. ... Snow is"."""
    return " ".join([*(shot.solved() for shot in shots), question])


@torch.no_grad()
def continuation_logprobs(model: Transformer, tok: Tokenizer, context: str, continuation: str
                          ) -> tuple[list[float], list[int]]:
    """Log-probabilities (natural log) of the tokens of `continuation` after `context`, and those tokens.

    The whole text is tokenized once, as the model reads it, and the continuation's tokens are those after the
    context's (lm-evaluation-harness does the same). Where the tokenizer merges across the seam, the merged token
    counts as the continuation's."""
    context_ids = tok.encode(context)
    ids = tok.encode(context + continuation)
    start = next((i for i, (a, b) in enumerate(zip(context_ids, ids)) if a != b), len(context_ids))
    if start >= len(ids):
        raise ValueError(f"{continuation!r} adds no token to {context!r}")
    tokens = torch.tensor([ids], device=model.device)
    logprobs = model(tokens[:, :-1])[0].float().log_softmax(-1)  # [T-1, V]: position i predicts token i + 1
    targets = tokens[0, start:]
    picked = logprobs[start - 1:].gather(1, targets[:, None])[:, 0]
    return picked.cpu().tolist(), ids[start:]


def score_options(model: Transformer, tok: Tokenizer, item: Item, shots: tuple[Item, ...] | list[Item] = ()
                  ) -> list[OptionScore]:
    """Every option of `item` scored after the question (and the solved `shots` before it)."""
    context = few_shot_prompt(item.question, shots)
    scores = []
    for option in item.options:
        logprobs, ids = continuation_logprobs(model, tok, context, option)
        scores.append(OptionScore(option, tok.pieces(ids), logprobs))
    return scores


def choice(scores: list[OptionScore], rule: str) -> int:
    """The option a rule picks: the highest score (the first on a tie)."""
    values = [s.score(rule) for s in scores]
    return values.index(max(values))


@dataclass(frozen=True)
class BenchmarkResult:
    n_shots: int
    picks: dict[str, list[int]]  # rule -> the option picked for each item

    def right(self, rule: str, items=ITEMS) -> int:
        return sum(pick == item.answer for pick, item in zip(self.picks[rule], items))


def run_benchmark(model: Transformer, tok: Tokenizer, items=ITEMS, shots=()) -> BenchmarkResult:
    """Every item scored once; each rule's picks."""
    scored = [score_options(model, tok, item, shots) for item in items]
    return BenchmarkResult(len(shots), {rule: [choice(s, rule) for s in scored] for rule in RULES})


# ---- perplexity ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextSurprise:
    """How surprised a model is by a text: each token's loss (-log p, in nats) and what they add up to."""
    pieces: list[str]  # the tokens predicted (all but the first)
    losses: list[float]  # nats, one per predicted token
    n_characters: int  # characters those tokens spell

    @property
    def total_nats(self) -> float:
        return sum(self.losses)

    @property
    def mean_loss(self) -> float:
        return self.total_nats / len(self.losses)

    @property
    def perplexity(self) -> float:
        """exp(mean loss per token): as unsure as a fair choice among this many tokens, on average."""
        return math.exp(self.mean_loss)

    @property
    def bits_per_character(self) -> float:
        return self.total_nats / math.log(2) / self.n_characters

    @property
    def characters_per_token(self) -> float:
        return self.n_characters / len(self.losses)


@torch.no_grad()
def text_surprise(model: Transformer, tok: Tokenizer, ids: list[int]) -> TextSurprise:
    """Each token's loss given the ones before it, for a token list that starts with BOS (as encode makes it).
    The characters counted are those the predicted tokens spell, as llama_edu.evaluate.bits_per_character counts."""
    if len(ids) < 2:
        raise ValueError("a text needs at least one token after BOS to be predicted")
    return surprise_from_logits(tok, ids, model(torch.tensor([ids[:-1]], device=model.device))[0])


def surprise_from_logits(tok: Tokenizer, ids: list[int], logits: torch.Tensor) -> TextSurprise:
    """The same from logits the model has already produced for `ids` ([T, V] or [T-1, V]: row i predicts token
    i + 1; a last row, which predicts past the text, is left out)."""
    if len(ids) < 2:
        raise ValueError("a text needs at least one token after BOS to be predicted")
    targets = torch.tensor(ids[1:], device=logits.device)
    losses = torch.nn.functional.cross_entropy(logits[:len(ids) - 1].float(), targets, reduction="none")
    return TextSurprise(tok.pieces(ids[1:]), losses.cpu().tolist(), len(tok.decode(ids[tok.bos_count:])))


def perplexity_for(bits_per_character: float, characters_per_token: float) -> float:
    """The per-token perplexity a text scored at `bits_per_character` shows when its tokenizer makes tokens of
    `characters_per_token` characters: 2 ** (bits per token). The same model quality, another number."""
    return 2 ** (bits_per_character * characters_per_token)
