"""Two depths on every page: a short core idea in one box right under the title, in both languages, and the research
detail inside closed "Go deeper" expanders where it belongs (app.common.core_idea, app.common.go_deeper)."""

import pytest
from apphelpers import assert_no_exception, open_page, shown

from app.pages import page_specs
from llama_edu import i18n

PAGES = [f"views/{spec.path.name}" for spec in page_specs() if spec.path.stem != "lessons"]
LANGS = list(i18n.LANGUAGES)
EXAMPLE = "The cat sat on the mat"  # the default prompt, which every core idea uses as its example
MAX_WORDS = 70


def lead(lang: str) -> str:
    """The bold words every core-idea box starts with ("**The core idea.**")."""
    return i18n.t("app.common.core_idea", lang, text="").strip()


def go_deeper_label(lang: str, topic_key: str) -> str:
    return i18n.t("app.common.go_deeper", lang, topic=i18n.t(topic_key, lang))


def core_boxes(at, lang: str) -> list[str]:
    return [box.value for box in at.success if box.value.startswith(lead(lang))]


def expander(at, lang: str, topic_key: str):
    """The one expander labelled "Go deeper: <topic>" in `lang`."""
    found = [e for e in at.expander if e.label == go_deeper_label(lang, topic_key)]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def top_level(at) -> list:
    return list(at.main.children.values())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_one_short_core_idea_in_a_box(page, lang):
    at = open_page(page, lang=lang, timeout=120)
    assert_no_exception(at)
    boxes = core_boxes(at, lang)
    other = next(code for code in LANGS if code != lang)
    assert len(boxes) == 1 and not core_boxes(at, other), page
    text = shown(boxes[0].removeprefix(lead(lang)))
    assert 15 <= len(text.split()) <= MAX_WORDS, (page, len(text.split()))
    assert EXAMPLE in text, page  # concrete: told on the page's own example
    # Right under the page's title, before anything the model computed.
    nodes = top_level(at)
    title = next(i for i, node in enumerate(nodes) if getattr(node, "type", None) == "title")
    assert nodes[title + 1].type == "success" and nodes[title + 1].value == boxes[0], page


def test_core_ideas_are_written_in_both_languages_and_differ():
    keys = [key for key in i18n.strings() if key.endswith("core_idea") and key != "app.common.core_idea"]
    assert len(keys) == len(PAGES)
    for key in keys:
        en, de = (i18n.t(key, lang) for lang in ("en", "de"))
        assert en != de and len(en.split()) <= MAX_WORDS and len(de.split()) <= MAX_WORDS, key
        assert f"“{EXAMPLE}”" in en and f"„{EXAMPLE}“" in de, key


@pytest.mark.parametrize("lang", LANGS)
def test_rollout_caveats_are_inside_go_deeper_on_the_layers_page(lang):
    at = open_page("views/layers.py", lang=lang)
    assert_no_exception(at)
    caveats = i18n.t("layers.page.limits", lang)
    box = expander(at, lang, "layers.page.limits_title")
    assert [md.value for md in box.markdown] == [caveats]
    assert [md.value for md in at.markdown].count(caveats) == 1  # nowhere outside the expander


@pytest.mark.parametrize("lang", LANGS)
def test_rope_meta_vs_hf_pairing_is_inside_go_deeper(lang):
    at = open_page("views/rope.py", lang=lang)
    assert_no_exception(at)
    box = expander(at, lang, "app.rope.section_pair_order")
    assert any("rotate_half" in md.value for md in box.markdown)
    assert len(box.get("plotly_chart")) == 1  # the pairing figure
    assert any("hf_layout" in c.value or "rotate_half" in c.value for c in box.caption)  # the live check
    assert not any("rotate_half" in n.value for n in top_level(at) if getattr(n, "type", None) in ("markdown", "caption"))


@pytest.mark.parametrize("lang", LANGS)
def test_the_course_slide_correction_is_inside_go_deeper_on_the_kv_cache_page(lang):
    at = open_page("views/kv_cache.py", lang=lang)
    assert_no_exception(at)
    box = expander(at, lang, "app.kvcache.section_slide")
    intro = i18n.t("app.kvcache.slide_intro", lang)
    assert next(md.value for md in box.markdown) == intro and len(box.latex) == 2
    assert [md.value for md in at.markdown].count(intro) == 1
    # Numbered sections stay numbered without a gap: the slide no longer takes number 3.
    assert [h.value[:2] for h in at.header] == ["1.", "2.", "3."]


@pytest.mark.parametrize("lang", LANGS)
def test_what_the_papers_measured_is_inside_go_deeper_on_the_architectures_page(lang):
    at = open_page("views/architectures.py", lang=lang)
    assert_no_exception(at)
    box = expander(at, lang, "arch.papers_title")
    assert len(box.dataframe) == 2  # the LLaMA paper's table 3, the GQA paper's table 1
    assert i18n.t("arch.papers_title", lang) not in [h.value for h in [*at.header, *at.subheader]]


@pytest.mark.parametrize("page, topic", [
    ("views/overview.py", "app.overview.versions"),
    ("views/tokens.py", "app.tokens.byte_title"),
    ("views/norms.py", "app.norms.cost_title"),
    ("views/attention.py", "app.attention.sink_title"),
    ("views/gqa.py", "app.gqa.paper_title"),
    ("views/swiglu.py", "app.swiglu.sizing_title"),
    ("views/generation.py", "app.generation.formulas_title"),
])
def test_each_page_keeps_its_research_detail_in_a_closed_go_deeper_expander(page, topic):
    at = open_page(page, timeout=120)  # the norms page times both norms on its first run
    assert_no_exception(at)
    box = expander(at, "en", topic)
    assert not box.proto.expanded  # closed until a student opens it
    assert len(list(box.children.values())) >= 1
    assert i18n.t(topic, "en") not in [h.value for h in [*at.header, *at.subheader]]
