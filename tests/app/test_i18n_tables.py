"""The app's tables in German: no column header stays English, and no prose cell either.

The rows keep English keys (code reads them by name); app/text.py's table() renames the columns on the way to
st.dataframe, from llama_edu/strings/columns.yaml. Every page is drawn in English and in German, and every live
element alone (the lessons show some that no page does, such as the training recipe); each German table must have
the English table's columns, each under a German name unless the name is in NEUTRAL. A table drawn with
st.dataframe directly, or a new column missing from columns.yaml, fails here.
"""

import ast
from collections import Counter

import pytest
import torch
from apphelpers import APP, assert_no_exception
from streamlit.testing.v1 import AppTest

from app.pages import page_specs
from llama_edu import i18n, normalization, papers
from llama_edu.viz import norms, training

PAGES = [f"views/{spec.path.name}" for spec in page_specs()]  # every page, as the app finds them
# Column names that read the same in German: units, code names, formulas, the names of benchmarks.
NEUTRAL = {"GiB", "RMS", "d (dim)", "4d", "int(2·4d/3)", "ffn_dim_multiplier", "multiple_of",
           "cache.keys[0][:, :, :t].shape", "cache.nbytes()", *papers.COMMON_SENSE_BENCHMARKS}
NEUTRAL_CELLS = {"AdamW β1", "AdamW β2"}  # names of settings
# A prompt with an emoji: the tokens page then shows its table of byte runs too.
PROMPT = "Hi 🦙 the cat sat"
TABLE_CALLS = {"dataframe", "table", "data_editor"}


def columns_yaml() -> dict[str, dict[str, str]]:
    return {key: texts for key, texts in i18n.strings().items() if key.startswith("columns.")}


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


# ---- the code --------------------------------------------------------------------------------------------------
def test_every_table_of_the_app_goes_through_the_helper():
    """Only app/text.py's table() calls st.dataframe: a table drawn directly would show its English keys."""
    found = []
    for path in sorted(APP.parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TABLE_CALLS:
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert [where for where in found if not where.startswith("text.py:")] == [] and len(found) == 1, found


def test_columns_yaml_names_each_english_text_once_and_translates_all_but_the_neutral_names():
    english = Counter(texts["en"] for texts in columns_yaml().values())
    assert [text for text, n in english.items() if n > 1] == []
    same = {texts["en"] for texts in columns_yaml().values() if texts["en"] == texts["de"]}
    assert same <= NEUTRAL | NEUTRAL_CELLS, same - NEUTRAL - NEUTRAL_CELLS


def test_the_prose_in_table_cells_is_listed_in_columns_yaml():
    """The words the row functions write into cells of prose columns (table(prose=...)) all have a German text: a
    reworded English label would otherwise stay English in the German table without any error."""
    words = {texts["en"]: texts["de"] for texts in columns_yaml().values()}
    ones = {name: torch.ones(4) for name in ("input", "rms_unit", "layer_unit")}
    prose = {*training.RECIPE_FIELDS.values(), "True", "False", "none",
             *(row["vector"] for row in norms.comparison_stats(ones)),
             *(row["steps"] for row in normalization.norm_operation_counts(8))}
    assert sorted(prose - set(words)) == []
    assert sorted(text for text in prose if words[text] == text) == sorted(NEUTRAL_CELLS)


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
    assert not cells & {"peak learning rate", "True", "word start", "x' (input)"}


def test_german_tables_write_numbers_the_german_way():
    at = open_page("views/overview.py", "de")
    family = next(frame.value for frame in at.dataframe if "Trainingstokens" in frame.value.columns)
    llama2 = family[family["Modell"] == "llama-2-7b"].iloc[0]
    assert llama2["Kontext"] == "4.096" and llama2["Vokabular"] == "32.000"
    assert llama2["Parameter"] == "6,74 Mrd." and llama2["Trainingstokens"] == "2,00 Bio."  # not "6.74B": a Billion
