"""Paper numbers (llama_edu.papers): the comparisons the app states are computed from the tables, each table names
its source, and the lessons quote the same numbers as the tables."""

from pathlib import Path

import yaml

from llama_edu import papers
from llama_edu.viz import attention as viz_attention

LESSONS = Path(__file__).resolve().parents[1] / "lessons"


def test_llama_13b_beats_gpt3_on_5_of_the_7_benchmarks_both_report():
    result = papers.compare("LLaMA 13B", "GPT-3 175B")
    assert (len(result.higher), result.reported_by_both) == (5, 7)
    assert result.lower == ["PIQA", "OBQA"]  # 80.1 < 81.0 and 56.4 < 57.6; GPT-3 reports no SIQA


def test_llama_65b_is_higher_than_chinchilla_on_all_five_shared_benchmarks_boolq_included():
    """The paper's text says "all reported benchmarks but BoolQ"; its Table 3 has 85.3 against 83.7."""
    result = papers.compare("LLaMA 65B", "Chinchilla 70B")
    assert result.higher == ["BoolQ", "PIQA", "SIQA", "HellaSwag", "WinoGrande"] and not result.lower
    assert (papers.benchmark_row("LLaMA 65B")["BoolQ"], papers.benchmark_row("Chinchilla 70B")["BoolQ"]) == (85.3, 83.7)


def test_llama_65b_is_lower_than_palm_540b_only_on_boolq_and_winogrande():
    result = papers.compare("LLaMA 65B", "PaLM 540B")
    assert result.lower == ["BoolQ", "WinoGrande"] and len(result.higher) == 5


def test_every_row_reports_the_eight_benchmarks_or_none():
    for row in papers.LLAMA_TABLE_3:
        assert set(row) == {"model", "parameters", *papers.COMMON_SENSE_BENCHMARKS}
        assert all(row[b] is None or 0 < row[b] < 100 for b in papers.COMMON_SENSE_BENCHMARKS)


def test_the_gqa_page_and_this_module_show_one_table():
    assert viz_attention.GQA_TABLE_1 is papers.GQA_TABLE_1
    assert {r["model"]: (r["inference time (s)"], r["average score"]) for r in papers.GQA_TABLE_1} == {
        "MHA-Large": (0.37, 46.0), "MHA-XXL": (1.51, 47.2), "MQA-XXL": (0.24, 46.6), "GQA-8-XXL": (0.28, 47.1)}


def test_sources_name_paper_arxiv_id_and_table():
    assert (papers.LLAMA_TABLE_3_SOURCE.arxiv, papers.LLAMA_TABLE_3_SOURCE.table) == ("2302.13971", 3)
    assert (papers.GQA_TABLE_1_SOURCE.arxiv, papers.GQA_TABLE_1_SOURCE.table) == ("2305.13245", 1)


def _lesson_text(path: Path) -> str:
    return yaml.safe_dump(yaml.safe_load(path.read_text(encoding="utf-8")), allow_unicode=True)


def test_lesson_14_quotes_the_tables_numbers_in_both_languages():
    llama, chinchilla = papers.benchmark_row("LLaMA 65B"), papers.benchmark_row("Chinchilla 70B")
    gqa = {r["model"]: r for r in papers.GQA_TABLE_1}
    quoted = [llama["BoolQ"], chinchilla["BoolQ"], gqa["GQA-8-XXL"]["inference time (s)"],
              gqa["MQA-XXL"]["inference time (s)"], gqa["GQA-8-XXL"]["average score"], gqa["MHA-XXL"]["average score"]]
    english = _lesson_text(LESSONS / "14-llama-vs-gpt-bert-t5.yaml")
    german = _lesson_text(LESSONS / "de" / "14-llama-vs-gpt-bert-t5.yaml")
    for value in quoted:
        assert f"{value}" in english, value
        assert f"{value}".replace(".", ",") in german, value
