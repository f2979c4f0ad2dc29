"""Measure every text of every page in a real browser at 1280x720: its size in CSS pixels and, with --contrast, its
contrast with what is behind it. Prints what falls short and saves a screenshot of the first screen of each page.

    .venv/bin/streamlit run app/main.py --server.headless true --server.port 8611 &
    .venv/bin/python tools/font_check.py --url http://127.0.0.1:8611 --presenter [--contrast] [--pages attention,rope]

Page text and figure text (plotly's SVG) are both measured; hover labels, icons and the bertviz frame are not (the
frame is a document of its own: llama_edu/viz/bertviz_offline.py sets its sizes). Needs Debian's chromium
(/usr/bin/chromium) and the playwright package; never `playwright install`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"

MEASURE = r"""(args) => {
  const [minPx, contrast] = args;
  const lum = (rgb) => { const c = rgb.match(/[\d.]+/g).slice(0, 3).map(v => v / 255)
      .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const alpha = (rgb) => { const m = rgb.match(/[\d.]+/g); return m.length > 3 ? +m[3] : 1; };
  // A slider's value is written above its thumb, not on it: what is behind it is the page.
  const behind = (el) => { const start = el.closest('[data-testid="stSliderThumbValue"]') ? document.querySelector('.stApp') : el;
    for (let e = start; e; e = e.parentElement) { const bg = getComputedStyle(e).backgroundColor;
      if (bg && alpha(bg) > 0.5) return bg; } return 'rgb(255, 255, 255)'; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const name = (el) => { const t = el.closest('[data-testid]'); return (t ? t.dataset.testid : '') + ' ' + el.tagName; };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/[\u200b\u200c\u200d\ufeff]/g, '').trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('.hoverlayer, script, style, noscript, .katex-mathml, [data-testid="stIconMaterial"], .material-symbols-rounded, [aria-hidden="true"] svg')) continue;
    if (el.closest('[data-testid="stTooltipContent"], [role="tooltip"]')) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
    if (style.fontFamily.includes('Material')) continue;
    const px = parseFloat(style.fontSize);
    const inSvg = !!el.closest('svg');
    const item = {text: text.slice(0, 40), px, where: name(el), svg: inSvg};
    if (px < minPx - 0.01) found.push({...item, problem: 'small'});
    if (contrast && !inSvg) {
      const r = ratio(style.color, behind(el));
      if (r < 7) found.push({...item, problem: 'contrast ' + r.toFixed(2), color: style.color, bg: behind(el)});
    }
  }
  return found;
}"""

SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def settle(page, timeout_s: float = 90) -> None:
    page.wait_for_selector("h1", timeout=60_000)
    deadline, calm = time.time() + timeout_s, 0
    while calm < 4 and time.time() < deadline:
        calm = calm + 1 if page.evaluate(SETTLED) else 0
        page.wait_for_timeout(500)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from app.pages import page_specs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8611")
    parser.add_argument("--presenter", action="store_true")
    parser.add_argument("--contrast", action="store_true")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--out", default=str(ROOT / "build" / "font_check"))
    parser.add_argument("--open-sidebar", action="store_true", help="measure with the sidebar open")
    args = parser.parse_args()
    min_px = 20 if args.presenter else 14
    names = [n for n in args.pages.split(",") if n] or [spec.url_path for spec in page_specs()]
    default = next(spec.url_path for spec in page_specs() if spec.default)  # served at "/", not at its name
    query = "&".join(q for q, on in (("presenter=1", args.presenter), ("contrast=1", args.contrast)) if on)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run"])
        for name in names:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{args.url}/{'' if name == default else name}?{query}")
            settle(page)
            if args.open_sidebar and page.query_selector('[data-testid="stExpandSidebarButton"]'):
                page.click('[data-testid="stExpandSidebarButton"]')
                page.wait_for_timeout(800)
            mode = ("presenter" if args.presenter else "normal") + ("_contrast" if args.contrast else "")
            page.screenshot(path=str(out / f"{name}_{mode}.png"))
            found = page.evaluate(MEASURE, [min_px, args.contrast])
            report[name] = found
            print(f"{name}: {len(found)} problems")
            for item in found[:25]:
                print("   ", json.dumps(item, ensure_ascii=False))
            page.close()
        browser.close()
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
