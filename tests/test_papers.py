"""Paper numbers (llama_edu.papers): the comparisons the app states are computed from the tables, each table names
its source, and the lessons quote the same numbers as the tables."""

import copy
import re
from pathlib import Path

import yaml

from llama_edu import papers
from llama_edu.lessons import load_lessons
from llama_edu.viz import architectures as viz_architectures
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


def test_the_gqa_figure_and_tables_draw_papers_table_itself_not_a_copy(monkeypatch):
    """The GQA page's figure and table and lesson 14's table read papers.GQA_TABLE_1: a changed cell shows in all."""
    mqa = next(r for r in papers.GQA_TABLE_1 if r["model"] == "MQA-XXL")
    monkeypatch.setitem(mqa, "inference time (s)", 0.31)
    monkeypatch.setitem(mqa, "average score", 46.9)
    scatter = viz_attention.gqa_quality_figure().data[0]
    assert list(scatter.text) == [r["model"] for r in papers.GQA_TABLE_1]
    assert list(scatter.x) == [r["inference time (s)"] for r in papers.GQA_TABLE_1] and 0.31 in scatter.x
    assert list(scatter.y) == [r["average score"] for r in papers.GQA_TABLE_1] and 46.9 in scatter.y
    row = next(r for r in viz_architectures.gqa_rows() if r["model"] == "MQA-XXL")  # both pages' table
    assert list(row.values()) == ["MQA-XXL", 0.31, 46.9]
    assert next(r for r in viz_attention.GQA_TABLE_1 if r["model"] == "MQA-XXL")["average score"] == 46.9


def test_lesson_8_quotes_each_t5_xxl_row_of_the_table_in_both_languages():
    """Lesson 8's notice, "MHA 1.51 s per sample, average score 47.2; MQA 0.24 s, 46.6; ...", one row per clause."""
    rows = {r["model"].removesuffix("-XXL"): r for r in papers.GQA_TABLE_1 if r["model"].endswith("-XXL")}
    for lang, comma in (("en", "."), ("de", ",")):
        notice = _step(8, "gqa_quality_table", lang).notice
        clauses = notice.split(";")
        assert len(clauses) == len(rows), notice
        for name, row in rows.items():
            clause = next(c for c in clauses if re.search(rf"\b{re.escape(name)} ", c))
            numbers = re.findall(r"\d+[.,]\d+", clause)
            assert numbers == [f"{row['inference time (s)']:.2f}".replace(".", comma),
                               f"{row['average score']:.1f}".replace(".", comma)], (lang, clause)


def test_compare_follows_the_numbers_of_the_table_it_is_given():
    table = copy.deepcopy(papers.LLAMA_TABLE_3)
    chinchilla = papers.benchmark_row("Chinchilla 70B", table)
    before = papers.compare("LLaMA 65B", "Chinchilla 70B", table)
    chinchilla["BoolQ"] = 90.0  # above LLaMA 65B's 85.3: BoolQ moves from higher to lower
    assert papers.compare("LLaMA 65B", "Chinchilla 70B", table).lower == ["BoolQ"]
    chinchilla["BoolQ"] = papers.benchmark_row("LLaMA 65B", table)["BoolQ"]
    assert papers.compare("LLaMA 65B", "Chinchilla 70B", table).equal == ["BoolQ"]
    chinchilla["BoolQ"] = None  # unreported: no longer compared at all
    after = papers.compare("LLaMA 65B", "Chinchilla 70B", table)
    assert "BoolQ" not in after.higher + after.lower + after.equal
    assert after.reported_by_both == before.reported_by_both - 1
    for model, other in papers.HEADLINE_PAIRS:  # the other way round, higher and lower swap
        there, back = papers.compare(model, other), papers.compare(other, model)
        assert (back.higher, back.lower, back.equal) == (there.lower, there.higher, there.equal)


def test_lesson_14_states_the_comparisons_papers_compare_computes():
    """ "LLaMA 13B ... scores higher on 5 of the 7 benchmarks both report. LLaMA 65B scores higher than PaLM 540B
    on 5 of 7, lower on BoolQ and WinoGrande." and the quiz: Chinchilla reports five of the eight."""
    gpt3, palm = papers.compare("LLaMA 13B", "GPT-3 175B"), papers.compare("LLaMA 65B", "PaLM 540B")
    chinchilla = papers.compare("LLaMA 65B", "Chinchilla 70B")
    english, german = _step(14, "llama_benchmarks", "en").text, _step(14, "llama_benchmarks", "de").text
    english, german = " ".join(english.split()), " ".join(german.split())
    assert f"higher on {len(gpt3.higher)} of the {gpt3.reported_by_both} benchmarks both report" in english
    assert f"in {len(gpt3.higher)} der {gpt3.reported_by_both} Benchmarks" in german
    assert f"on {len(palm.higher)} of {palm.reported_by_both}, lower on {' and '.join(palm.lower)}" in english
    assert f"in {len(palm.higher)} von {palm.reported_by_both} vor PaLM 540B und bei {' und '.join(palm.lower)}" \
        in german
    size = lambda name: float(papers.benchmark_row(name)["parameters"].removesuffix("B"))  # noqa: E731
    assert size("LLaMA 13B") < size("GPT-3 175B") / 10  # "less than a tenth of GPT-3's 175B parameters"
    reported = [b for b in papers.COMMON_SENSE_BENCHMARKS if papers.benchmark_row("Chinchilla 70B")[b] is not None]
    assert (len(reported), len(papers.COMMON_SENSE_BENCHMARKS)) == (5, 8) and chinchilla.higher == reported
    quiz = {lang: _lesson(14, lang).quiz[-1] for lang in ("en", "de")}
    assert quiz["en"].options[quiz["en"].answer] == "On all five" and "five of the eight" in quiz["en"].explanation
    assert quiz["de"].options[quiz["de"].answer] == "In allen fünf" and "fünf der acht" in quiz["de"].explanation


def test_the_app_and_lessons_sources_md_cite_each_table_where_papers_says_it_is_from():
    """The caption under each table (both languages), and the row of lessons/SOURCES.md that records how its numbers
    were checked, name the paper, arXiv id and table of papers.py's Source."""
    sources_md = (LESSONS / "SOURCES.md").read_text(encoding="utf-8").splitlines()
    gqa = {r["model"]: r for r in papers.GQA_TABLE_1}
    records = {  # a number only that table holds -> the table's source
        f"{gqa['MQA-XXL']['inference time (s)']} s / {gqa['MQA-XXL']['average score']}": papers.GQA_TABLE_1_SOURCE,
        f"({papers.benchmark_row('LLaMA 65B')['BoolQ']} vs {papers.benchmark_row('Chinchilla 70B')['BoolQ']})":
            papers.LLAMA_TABLE_3_SOURCE}
    for record, source in records.items():
        row = next(line for line in sources_md if record in line)
        assert f"{source.authors} {source.year}, arXiv {source.arxiv}" in row, row
        for lang, table in (("en", "Table"), ("de", "Tabelle")):
            caption = viz_architectures.source_line(source, lang=lang)
            assert source.authors in caption and f"({source.year})" in caption and source.title in caption
            assert caption.endswith(f"arXiv:{source.arxiv}, {table} {source.table}.")
    assert "Table 3" in next(line for line in sources_md if "(85.3 vs 83.7)" in line)


def _lesson(number: int, lang: str):
    return next(lesson for lesson in load_lessons(lang=lang) if lesson.path.name.startswith(f"{number:02d}-"))


def _step(number: int, element: str, lang: str):
    """The step of lesson `number` that shows `element`, in `lang` (German steps keep the English elements)."""
    return next(step for step in _lesson(number, lang).steps if step.element == element)


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


def test_lesson_1_quotes_the_boolq_pair_of_table_3_in_both_languages():
    """ "its own Table 3 even has 65B ahead on BoolQ (85.3 vs 83.7; lesson 14)" """
    llama, chinchilla = papers.benchmark_row("LLaMA 65B")["BoolQ"], papers.benchmark_row("Chinchilla 70B")["BoolQ"]
    assert llama > chinchilla  # "ahead on BoolQ"
    english, german = (next(s.notice for s in _lesson(1, lang).steps if s.notice and "BoolQ" in s.notice)
                       for lang in ("en", "de"))
    assert f"({llama} vs {chinchilla};" in english
    assert f"({llama} zu {chinchilla};".replace(".", ",") in german
