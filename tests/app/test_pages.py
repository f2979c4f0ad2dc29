"""Pages are found, not listed: each file in app/views/ declares its place (PAGE), read without running it."""

import pytest

from app.pages import SECTIONS, page_specs, read_page
from llama_edu import i18n


def test_every_view_is_a_page_in_navigation_order_with_texts_in_both_languages():
    specs = page_specs()
    assert [spec.url_path for spec in specs][:2] == ["overview", "lessons"] and specs[0].default
    assert [SECTIONS.index(spec.section) for spec in specs] == sorted(SECTIONS.index(spec.section) for spec in specs)
    for spec in specs:
        for key in filter(None, (spec.title, spec.heading)):
            assert all(i18n.strings()[key][lang] for lang in i18n.LANGUAGES), key


def test_a_new_view_file_is_read_without_running_it(tmp_path):
    view = tmp_path / "probe.py"
    view.write_text('raise SystemExit("a view must not run when its place is read")\n'
                    'PAGE = {"section": "generating", "order": 5, "title": "app.nav.kv_cache", "icon": ":material/x:"}\n')
    spec = read_page(view)
    assert (spec.section, spec.order, spec.url_path, spec.heading, spec.default) == ("generating", 5, "probe", None, False)


@pytest.mark.parametrize("source, message", [
    ("x = 1\n", "has no PAGE"),
    ('PAGE = {"section": "elsewhere", "order": 1, "title": "t", "icon": "i"}\n', "section 'elsewhere'"),
    ('PAGE = {"section": "start", "order": 1, "title": "t", "icon": "i", "colour": "red"}\n', "literal dict"),
    ('PAGE = {"section": "start", "order": len("x"), "title": "t", "icon": "i"}\n', "literal dict"),
])
def test_a_view_with_a_missing_or_wrong_page_says_which_file(tmp_path, source, message):
    view = tmp_path / "broken.py"
    view.write_text(source)
    with pytest.raises(ValueError, match=message) as err:
        read_page(view)
    assert "broken.py" in str(err.value)
