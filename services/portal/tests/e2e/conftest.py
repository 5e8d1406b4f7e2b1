"""The portal in a real browser (the distribution's Chromium), against the platform started as `make run` does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from portal.adapters.i18n import translations
from tests.e2e.journey import PASSWORD

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[4] / "build" / "screenshots"
LOCALES = {"en": "en-GB", "fr": "fr-BE", "nl": "nl-BE"}


# Module scope: the sync driver keeps an event loop running in this thread while it is open, and the
# asynchronous tests of other modules need the thread's loop to themselves.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    # Playwright's own browser builds are never downloaded: Debian's Chromium is driven directly.
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield launched
    launched.close()


@dataclass
class Visitor:
    """One person in one browser context, with what the test checks on every page."""

    context: BrowserContext
    page: Page
    language: str
    csp_violations: list[str] = field(default_factory=list)

    def _(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def label(self, message: str) -> Any:
        return self.page.get_by_label(self._(message), exact=True)

    def button(self, message: str) -> Any:
        return self.page.get_by_role("button", name=self._(message), exact=True)

    def link(self, message: str) -> Any:
        return self.page.get_by_role("link", name=self._(message), exact=True)

    def check(self, name: str) -> None:
        """No serious or critical accessibility violation, no CSP violation; screenshots at two widths."""
        self.page.evaluate(AXE.read_text())  # evaluated by the driver, so the page's CSP stays strict
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
               for v in result["violations"] if v["impact"] in {"serious", "critical"}]
        assert not bad, f"{name} ({self.language}): {json.dumps(bad, indent=1)}"
        assert not self.csp_violations, self.csp_violations
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or {"width": 1280, "height": 800}
        for width in (1280, 390):
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{self.language}-{width}.png"), full_page=True)
        self.page.set_viewport_size(size)

    def log_in(self, gateway: str, email: str, password: str = PASSWORD) -> None:
        self.page.goto(gateway + "/app/login")
        self.label("E-mail").fill(email)
        self.label("Password").fill(password)
        self.button("Log in").click()
        self.expect_path("/app/")

    def expect_path(self, pattern: str) -> None:
        expect(self.page).to_have_url(re.compile(r"^https?://[^/]+" + pattern + r"(\?.*)?$"), timeout=15_000)


@pytest.fixture
def visitor_factory(browser: Browser) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def open_visitor(language: str = "en") -> Visitor:
        context = browser.new_context(locale=LOCALES[language], viewport={"width": 1280, "height": 900},
                                      extra_http_headers={"Accept-Language": LOCALES[language]},
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        opened.append(context)
        page = context.new_page()
        visitor = Visitor(context, page, language)
        page.on("console", lambda message: visitor.csp_violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        return visitor

    yield open_visitor
    for context in opened:
        context.close()

