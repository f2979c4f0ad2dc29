"""bertviz's libraries as files a server sends once: the view then names them instead of carrying them."""

import torch

from llama_edu.viz import bertviz_offline


def _attentions():
    return tuple(torch.rand(1, 2, 4, 4).softmax(-1) for _ in range(2))


def test_a_view_with_libraries_at_names_them_and_carries_neither():
    inline = bertviz_offline.head_view_html(_attentions(), ["a", "b", "c", "d"])
    linked = bertviz_offline.head_view_html(_attentions(), ["a", "b", "c", "d"], libraries_at="app/static/bertviz/")
    assert bertviz_offline.d3_js()[:2000] in inline and bertviz_offline.jquery_js()[:2000] in inline
    assert bertviz_offline.d3_js()[:2000] not in linked and bertviz_offline.jquery_js()[:2000] not in linked
    for name in ("jquery.min.js", "d3.js"):
        assert f'src="app/static/bertviz/{name}"' in linked
    assert linked.index("jquery.min.js") < linked.index("d3.js") < linked.index("bertviz-head-view")  # load order
    assert len(linked) < len(inline) - 400_000


def test_the_written_libraries_are_the_installed_packages_and_are_rewritten_when_they_differ(tmp_path):
    bertviz_offline.write_libraries(tmp_path)
    assert (tmp_path / "d3.js").read_text(encoding="utf-8") == bertviz_offline.d3_js()
    assert (tmp_path / "jquery.min.js").read_text(encoding="utf-8") == bertviz_offline.jquery_js()
    (tmp_path / "d3.js").write_text("stale", encoding="utf-8")
    bertviz_offline.write_libraries(tmp_path)
    assert (tmp_path / "d3.js").read_text(encoding="utf-8") == bertviz_offline.d3_js()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d3.js", "jquery.min.js"]  # no partial file left
