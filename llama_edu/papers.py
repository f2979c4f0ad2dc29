"""Numbers from papers, each table with the paper and table it comes from. Pages and lessons read them here, so a
number is typed once (lessons/SOURCES.md says how each was checked).

Each row is a plain dict; a benchmark a paper does not report is None (the paper prints "-").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a table comes from: enough to find it in the paper."""
    authors: str
    year: int
    title: str
    arxiv: str
    table: int


# ---- LLaMA vs GPT-3, Chinchilla and PaLM --------------------------------------------------------------------------
LLAMA_TABLE_3_SOURCE = Source("Touvron et al.", 2023, "LLaMA: Open and Efficient Foundation Language Models",
                              "2302.13971", 3)
COMMON_SENSE_BENCHMARKS = ["BoolQ", "PIQA", "SIQA", "HellaSwag", "WinoGrande", "ARC-e", "ARC-c", "OBQA"]

# Table 3, zero-shot accuracy (%). The rows of the paper's headline comparison; the table also has Gopher 280B,
# PaLM 62B, PaLM-cont 62B and LLaMA 7B and 33B.
LLAMA_TABLE_3 = [
    {"model": "GPT-3", "parameters": "175B", "BoolQ": 60.5, "PIQA": 81.0, "SIQA": None, "HellaSwag": 78.9,
     "WinoGrande": 70.2, "ARC-e": 68.8, "ARC-c": 51.4, "OBQA": 57.6},
    {"model": "Chinchilla", "parameters": "70B", "BoolQ": 83.7, "PIQA": 81.8, "SIQA": 51.3, "HellaSwag": 80.8,
     "WinoGrande": 74.9, "ARC-e": None, "ARC-c": None, "OBQA": None},
    {"model": "PaLM", "parameters": "540B", "BoolQ": 88.0, "PIQA": 82.3, "SIQA": None, "HellaSwag": 83.4,
     "WinoGrande": 81.1, "ARC-e": 76.6, "ARC-c": 53.0, "OBQA": 53.4},
    {"model": "LLaMA", "parameters": "13B", "BoolQ": 78.1, "PIQA": 80.1, "SIQA": 50.4, "HellaSwag": 79.2,
     "WinoGrande": 73.0, "ARC-e": 74.8, "ARC-c": 52.7, "OBQA": 56.4},
    {"model": "LLaMA", "parameters": "65B", "BoolQ": 85.3, "PIQA": 82.8, "SIQA": 52.3, "HellaSwag": 84.2,
     "WinoGrande": 77.0, "ARC-e": 78.9, "ARC-c": 56.0, "OBQA": 60.2},
]

# The paper's three headline pairs: (LLaMA size, the model it is compared with).
HEADLINE_PAIRS = [("LLaMA 13B", "GPT-3 175B"), ("LLaMA 65B", "Chinchilla 70B"), ("LLaMA 65B", "PaLM 540B")]


def row_name(row: dict) -> str:
    """ "LLaMA 13B": a row's model and size, as the table's first two columns give them."""
    return f"{row['model']} {row['parameters']}"


def benchmark_row(name: str, table: list[dict] = LLAMA_TABLE_3) -> dict:
    return next(row for row in table if row_name(row) == name)


@dataclass(frozen=True)
class Comparison:
    """Benchmarks of `benchmarks` that both models report, split by which scored higher."""
    model: str
    other: str
    higher: list[str]
    lower: list[str]
    equal: list[str]

    @property
    def reported_by_both(self) -> int:
        return len(self.higher) + len(self.lower) + len(self.equal)


def compare(model: str, other: str, table: list[dict] = LLAMA_TABLE_3,
            benchmarks: list[str] = COMMON_SENSE_BENCHMARKS) -> Comparison:
    """Where `model` scores above and below `other`, computed from the table's numbers (not from the paper's
    sentences about them)."""
    a, b = benchmark_row(model, table), benchmark_row(other, table)
    both = [name for name in benchmarks if a[name] is not None and b[name] is not None]
    return Comparison(model, other, higher=[n for n in both if a[n] > b[n]], lower=[n for n in both if a[n] < b[n]],
                      equal=[n for n in both if a[n] == b[n]])


# ---- grouped-query attention on T5 --------------------------------------------------------------------------------
GQA_TABLE_1_SOURCE = Source("Ainslie et al.", 2023, "GQA: Training Generalized Multi-Query Transformer Models from "
                            "Multi-Head Checkpoints", "2305.13245", 1)

# Table 1: T5 models; MQA and GQA-8 converted from T5-XXL and uptrained with 5% of the pre-training steps. Time per
# sample in seconds and the average over their seven tasks (CNN/Daily Mail, arXiv, PubMed, MediaSum, MultiNews,
# WMT, TriviaQA). The paper applies MQA and GQA to the decoder's self-attention and cross-attention only, not to
# the encoder's self-attention (section 3.1).
GQA_TABLE_1 = [
    {"model": "MHA-Large", "inference time (s)": 0.37, "average score": 46.0},
    {"model": "MHA-XXL", "inference time (s)": 1.51, "average score": 47.2},
    {"model": "MQA-XXL", "inference time (s)": 0.24, "average score": 46.6},
    {"model": "GQA-8-XXL", "inference time (s)": 0.28, "average score": 47.1},
]
