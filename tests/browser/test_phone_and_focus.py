"""Phone-first and WCAG 2.1 AA on every page of every role: no sideways
scrolling at 390 px, 44 px targets on the report form, a focus indicator
of at least 3:1 (the weekly-tool issue, point 4)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                   locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def _login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill("test-wachtwoord-123")
    page.get_by_role("button", name=re.compile("Inloggen", re.I)).click()


def _menu_urls(page) -> list[str]:
    return page.eval_on_selector_all('nav[aria-label="Hoofdmenu"] a',
                                     "els => els.map(e => e.getAttribute('href'))")


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", ["resident", "frontline", "corporation", "policy",
                                  "privacy"])
def test_no_page_scrolls_sideways_on_a_phone(phone, live_server, users, place_ids,
                                             role):
    _login(phone, live_server, users[role])
    urls = set(_menu_urls(phone)) | {"/"}
    if role in ("frontline", "policy"):
        urls.add(f"/plaatsen/buurt/{place_ids['buurt1']}/")
    wide = {}
    for url in sorted(urls):
        phone.goto(f"{live_server.url}{url}")
        phone.wait_for_load_state("networkidle")
        if _width(phone) > PHONE["width"]:
            wide[url] = _width(phone)
    assert not wide, f"pages wider than 390 px for {role}: {wide}"


def test_report_form_targets_are_44_px(phone, live_server, city):
    phone.goto(f"{live_server.url}/meldingen/")
    small = phone.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll(
                'form.signal-form input:not([type=hidden]), form.signal-form select, '
                + 'form.signal-form textarea, form.signal-form button')) {
            // a radio or checkbox counts with its label (the label is the target)
            let box = el.getBoundingClientRect();
            const label = el.id && document.querySelector(`label[for="${el.id}"]`);
            if (label && (el.type === 'radio' || el.type === 'checkbox')) {
                const lb = (label.closest('.choice') || label).getBoundingClientRect();
                box = lb;
            }
            if (box.height < 44 || box.width < 44) {
                out.push(`${el.tagName} ${el.name} `
                         + `${Math.round(box.width)}x${Math.round(box.height)}`);
            }
        }
        return out;
    }""")
    assert not small, small


def _luminance(rgb: tuple[int, int, int]) -> float:
    def ch(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (ch(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(v) for v in re.findall(r"\d+", css)[:3])


def test_focus_indicator_contrast_is_at_least_3_to_1(phone, live_server, city):
    phone.goto(f"{live_server.url}/meldingen/")
    phone.keyboard.press("Tab")  # the skip link, then into the page
    for _ in range(6):
        phone.keyboard.press("Tab")
        style = phone.evaluate("""() => {
            const el = document.activeElement, s = getComputedStyle(el);
            let bg = 'rgb(255, 255, 255)';
            for (let n = el.parentElement; n; n = n.parentElement) {
                const c = getComputedStyle(n).backgroundColor;
                if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') {
                    bg = c; break;
                }
            }
            return {tag: el.tagName, outline: s.outlineColor, width: s.outlineWidth,
                    style: s.outlineStyle, bg};
        }""")
        assert style["style"] != "none" and float(style["width"][:-2]) >= 2, style
        fg, bg = _luminance(_rgb(style["outline"])), _luminance(_rgb(style["bg"]))
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 3.0, (style, round(ratio, 2))
