"""The app's tables in German: no column header stays English, no prose cell either, and numbers are written the
German way (4.096, 0,125) while the rows keep their keys and raw numbers.

Row functions write {key: value}: the keys are the columns of llama_edu/strings/columns.yaml, the numbers raw, and
only the words inside prose cells come in the reader's language (the function's lang=). app/text.py's table() looks
each key up there, names the column in the session's language and writes each number with the column's format.
Every page is drawn in English and in German, and every live element alone (the lessons show some that no page does,
such as the training recipe); each German table must have the English table's columns, each under a German name
unless the name is in NEUTRAL. A table drawn with st.dataframe directly, or a key missing from columns.yaml, fails
here.
"""

import ast
from collections import Counter

import pytest
import torch
from apphelpers import APP, assert_no_exception
from streamlit.testing.v1 import AppTest

import llama_edu as le
from app.pages import page_specs
from app.text import table_rows
from llama_edu import ffn, i18n, kvcache, normalization, papers
from llama_edu.train import TrainConfig
from llama_edu.viz import norms, training

PAGES = [f"views/{spec.path.name}" for spec in page_specs()]  # every page, as the app finds them
# Column names that read the same in German: units, code names, formulas, the names of benchmarks.
NEUTRAL = {"GiB", "RMS", "d (dim)", "4d", "int(2·4d/3)", "ffn_dim_multiplier", "multiple_of",
           "cache.keys[0][:, :, :t].shape", "cache.nbytes()", *papers.COMMON_SENSE_BENCHMARKS}
COLUMN_FIELDS = {"en", "de", "format", "suffix"}
# A prompt with an emoji: the tokens page then shows its table of byte runs too.
PROMPT = "Hi 🦙 the cat sat"
TABLE_CALLS = {"dataframe", "table", "data_editor"}


def columns_yaml() -> dict[str, dict[str, str]]:
    return {key.removeprefix("columns."): texts for key, texts in i18n.strings().items()
            if key.startswith("columns.")}


def table_columns(at: AppTest) -> list[list[str]]:
    return [[str(name) for name in frame.value.columns] for frame in at.dataframe]


def assert_german_headers(english: list[list[str]], german: list[list[str]], where: str) -> None:
    assert len(german) == len(english), f"{where}: {len(english)} tables in English, {len(german)} in German"
    for en, de in zip(english, german):
        assert len(de) == len(en), f"{where}: columns {en} became {de}"
        still_english = [name for name, shown in zip(en, de) if shown == name and name not in NEUTRAL]
        assert not still_english, f"{where}: English column names in German: {still_english} (in {de})"


def open_page(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["lang"] = lang
    at.session_state["prompt"] = PROMPT
    at.run()
    at.switch_page(page).run()
    if page == "views/kv_cache.py":  # the cache's growth is tabled after the live run
        at.button(key="kv_run").click().run()
    assert_no_exception(at)
    return at


def _every_element() -> None:
    """AppTest script: the shared sidebar, then every live element once, keyed by its name."""
    import app.elements as elements
    from app.common import current

    cur = current()
    if cur is not None:
        for name, draw in sorted(elements.load_all().items()):
            draw(cur, name)


def open_elements(lang: str) -> AppTest:
    at = AppTest.from_function(_every_element, default_timeout=300)
    at.query_params["lang"] = lang
    at.session_state["prompt"] = PROMPT
    at.run()
    at.button(key="kv_live_demo_run").click().run()
    assert_no_exception(at)
    return at


def frame_with(at: AppTest, column: str):
    """The one table of the page that has this column (by its shown name)."""
    (frame,) = [frame.value for frame in at.dataframe if column in frame.value.columns]
    return frame


# ---- the code --------------------------------------------------------------------------------------------------
def test_every_table_of_the_app_goes_through_the_helper():
    """Only app/text.py's table() calls st.dataframe (or st.table, in presenter mode): a table drawn directly would
    show its English keys."""
    found = []
    for path in sorted(APP.parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TABLE_CALLS:
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert [where for where in found if not where.startswith("text.py:")] == [] and len(found) == 2, found


def test_columns_yaml_names_every_column_in_both_languages_and_gives_number_columns_a_format():
    columns = columns_yaml()
    assert [key for key, texts in columns.items() if not set(texts) <= COLUMN_FIELDS] == []
    assert [key for key in columns if key != key.lower() or not key.replace("_", "").isalnum()] == []  # slugs
    english = Counter(texts["en"] for texts in columns.values())
    assert [text for text, n in english.items() if n > 1] == []  # two keys for one column would drift apart
    same = {texts["en"] for texts in columns.values() if texts["en"] == texts["de"]}
    assert same <= NEUTRAL, same - NEUTRAL
    for key, texts in columns.items():
        if "format" in texts:
            assert i18n.number(4096.125, texts["format"], lang="de"), key  # a valid format spec for a number
        assert "suffix" not in texts or "format" in texts, f"{key}: a suffix without a format"


def test_table_names_each_column_and_writes_each_number_with_its_columns_format():
    row = {"model": "llama-2-70b", "position": 3, "parameters": 4096, "share": 0.125, "as_configured_gib": 1.25,
           "saved": 8.0, "bytes": "F0 9F A6 99"}
    assert table_rows([row], "en") == [{"model": "llama-2-70b", "position": 3, "parameters": "4,096", "share": "12.5%",
                                        "as configured (GiB)": "1.25", "saved": "8×", "bytes": "F0 9F A6 99"}]
    assert table_rows([row], "de") == [{"Modell": "llama-2-70b", "Position": 3, "Parameter": "4.096",
                                        "Anteil": "12,5\u00a0%", "wie konfiguriert (GiB)": "1,25", "Ersparnis": "8×",
                                        "Bytes": "F0 9F A6 99"}]
    assert row["as_configured_gib"] == 1.25 and row["share"] == 0.125  # the rows themselves are left as they are


def test_a_key_missing_from_columns_yaml_or_a_float_without_a_format_raises():
    with pytest.raises(KeyError, match="llama_edu/strings/columns.yaml"):
        table_rows([{"F by the rule": 11008}], "en")  # an English name is no key
    with pytest.raises(ValueError, match="no format"):
        table_rows([{"layers": 0.5}], "de")  # would show the English 0.5 to a German reader


def test_rows_with_prose_write_it_in_the_readers_language_and_keep_every_other_cell():
    """The row functions that take lang= change only their prose columns; keys and numbers stay the same."""
    ones = {name: torch.ones(4) for name in norms.COMPARED_VECTORS}
    cases = {  # rows(lang) -> the columns whose cells are words
        "norm_step_rows": (lambda lang: normalization.norm_step_rows(8, lang=lang), {"norm_step"}),
        "sizing_rows": (lambda lang: ffn.sizing_rows(le.PRESETS["tiny"], "tiny", lang=lang), {"ffn_dim_multiplier"}),
        "recipe_rows": (lambda lang: training.recipe_rows(TrainConfig(), lang=lang), {"setting", "value"}),
        "comparison_stats": (lambda lang: norms.comparison_stats(ones, lang=lang), {"vector"}),
    }
    for name, (rows, prose) in cases.items():
        en, de = rows("en"), rows("de")
        assert [list(r) for r in de] == [list(r) for r in en], name
        changed = {key for r_en, r_de in zip(en, de) for key in r_en if r_en[key] != r_de[key]}
        assert changed == prose, name
    words = {key: texts for key, texts in i18n.strings().items() if key.startswith("cells.")}
    assert words and [key for key, texts in words.items() if texts["en"] == texts["de"]] == []


# ---- what the student sees -------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", [page for page in PAGES if page != "views/lessons.py"])  # its elements: below
def test_no_table_on_a_german_page_has_an_english_column_name(page):
    english, german = table_columns(open_page(page, "en")), table_columns(open_page(page, "de"))
    assert_german_headers(english, german, page)


def test_no_table_of_any_live_element_has_an_english_column_name_in_german():
    english, german = open_elements("en"), open_elements("de")
    assert len(english.dataframe) >= 15  # every element with a table drew it (the growth table after the run)
    assert_german_headers(table_columns(english), table_columns(german), "elements")
    cells = {str(value) for frame in german.dataframe for value in frame.value.to_numpy().ravel()}
    assert {"höchste Lernrate", "ja", "Wortanfang", "x' (Eingabe)"} <= cells  # prose cells are German too
    assert not cells & {"peak learning rate", "yes", "True", "word start", "x' (input)"}


def test_german_tables_write_numbers_the_german_way():
    at = open_page("views/overview.py", "de")
    family = frame_with(at, "Trainingstokens (Billionen)")
    llama2 = family[family["Modell"] == "llama-2-7b"].iloc[0]
    assert llama2["Kontext"] == "4.096" and llama2["Vokabular"] == "32.000" and llama2["RoPE-Theta"] == "10.000"
    assert llama2["Parameter (Mrd.)"] == "6,74" and llama2["Trainingstokens (Billionen)"] == "2,0"
    breakdown = frame_with(at, "Anteil").set_index("Komponente")  # the loaded (tiny) model's parameters
    parts = le.parameter_breakdown(le.read_config(le.TINY_MODEL_DIR))
    german = {name: f"{n:,}".replace(",", ".") for name, n in parts.items()}  # 1,048,576 -> 1.048.576
    assert breakdown["Parameter"].to_dict() == german
    assert all(share.endswith("\u00a0%") and "," in share for share in breakdown["Anteil"])  # 16,6 %


def test_a_german_kv_cache_table_writes_decimal_commas_while_its_rows_keep_the_floats():
    rows = {r["model"]: r for r in kvcache.kv_cache_rows({n: le.PRESETS[n] for n in kvcache.COMPARED_RELEASES},
                                                          kvcache.COMPARED_CONTEXT)}
    assert rows["llama-2-70b"]["as_configured_gib"] == 1.25 and rows["llama-2-70b"]["as_mha_gib"] == 10.0  # floats
    memory = frame_with(open_page("views/gqa.py", "de"), "wie konfiguriert (GiB)").set_index("Modell")
    assert memory.loc["llama-2-70b", "wie konfiguriert (GiB)"] == "1,25"  # English: 1.25
    assert memory.loc["llama-2-70b", "als MHA (GiB)"] == "10,00" and memory.loc["llama-3-8b", "Ersparnis"] == "4×"
