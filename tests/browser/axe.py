"""axe-core (Deque's accessibility engine, from npm: node_modules/axe-core) run on a page.

Playwright injects it as an inline script, which the hall's CSP (script-src 'self') refuses,
so the pages it checks come from the `axe_page` fixture, whose context bypasses the CSP.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# What the hall must never show a citizen; "moderate" and "minor" findings are advice.
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per element."""
    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (npm ci installs axe-core)"
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (blocking) => {
             const result = await axe.run(document, { resultTypes: ["violations"] });
             return result.violations.filter((v) => blocking.includes(v.impact)).flatMap((v) =>
               v.nodes.map((n) => `${v.impact} ${v.id}: ${n.target.join(" ")} (${v.help})`));
           }""",
        list(BLOCKING),
    )
    return found
