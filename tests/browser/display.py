"""Measuring pages as a citizen sees them: the mode (长者模式), text size, contrast, line height,
touch targets and sideways scrolling, all computed in the real browser (getComputedStyle)."""

from __future__ import annotations

from playwright.sync_api import Page

PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}

# Every element with text of its own, as drawn: its font size, line height and the contrast of
# its colour against the first opaque background behind it (WCAG's relative luminance).
TEXT_METRICS = """() => {
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const parse = (colour) => {
    const m = colour.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
    return { rgb: parts.slice(0, 3), alpha: parts.length > 3 ? parts[3] : 1 };
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const colour = parse(getComputedStyle(e).backgroundColor);
      if (colour && colour.alpha >= 0.9) return colour.rgb;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const text = [...element.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text) continue;
    const unseen = '[aria-hidden="true"], [hidden], script, style, option, .visually-hidden, dialog:not([open])';
    if (element.closest(unseen)) continue;
    if (element.matches(":disabled")) continue;  // an inactive control is exempt (WCAG 1.4.6)
    const box = element.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    const style = getComputedStyle(element);
    if (style.visibility !== "visible" || Number(style.opacity) === 0) continue;
    const fg = luminance(parse(style.color).rgb);
    const bg = luminance(background(element));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    found.push({
      tag: element.tagName.toLowerCase(),
      cls: element.className && typeof element.className === "string" ? element.className : "",
      text: text.slice(0, 20),
      size: parseFloat(style.fontSize),
      line: style.lineHeight === "normal" ? 0 : parseFloat(style.lineHeight) / parseFloat(style.fontSize),
      ratio: Math.round(ratio * 100) / 100,
    });
  }
  return found;
}"""

# The controls a finger or a pointer aims at (links inside sentences are exempt, WCAG 2.5.5).
CONTROL_SIZES = """() => {
  const selector = 'button, input:not([type="hidden"]), select, textarea, a.button-link, .hall-nav a, [role="tab"], ' +
    '.mode-switch, .menu-toggle, .user-menu a, a.service, .pager a';
  return [...document.querySelectorAll(selector)]
    .filter((e) => !e.closest('[hidden], dialog:not([open]), .visually-hidden') && e.getBoundingClientRect().width > 1)
    .filter((e) => getComputedStyle(e).visibility === "visible")
    .map((e) => { const b = e.getBoundingClientRect();
      const name = (e.textContent || e.name || e.id).trim().slice(0, 15);
      return { what: `${e.tagName.toLowerCase()}.${e.className || ""}:${name}`,
               width: Math.round(b.width * 10) / 10, height: Math.round(b.height * 10) / 10 }; });
}"""


def use_elder_mode(page: Page, hall: str) -> None:
    """This browser chose 长者模式 (what the top bar's switch leaves behind: the hall_mode cookie)."""
    page.context.add_cookies([{"name": "hall_mode", "value": "elder", "url": hall}])


def overflows_sideways(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")


def text_metrics(page: Page) -> list[dict]:
    return page.evaluate(TEXT_METRICS)


def small_controls(page: Page, minimum: float = 44) -> list[dict]:
    # Half a pixel of rounding is not a smaller target.
    return [c for c in page.evaluate(CONTROL_SIZES) if c["width"] < minimum - 0.5 or c["height"] < minimum - 0.5]


def every_page(page: Page):
    """Open each of the app's pages in turn (citizen.page_paths), yielding the path of each that
    answers HTML: a page, or the hall's own 404 page (it is seen by citizens too)."""
    from tests.browser.citizen import page_paths

    for path in page_paths():
        reply = page.goto(path)
        if reply is not None and reply.headers.get("content-type", "").startswith("text/html"):
            assert reply.status in (200, 404), path
            yield path
