"""Every action of the batch list and the growth page with the keyboard alone, in headless
Chromium: Tab and Shift+Tab reach each control in turn, each shows where the focus is
(an outline or shadow of its own, not clipped by a scrolling box, at 3:1 against what
it sits on), and Enter or Space does what a click does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import access
from tests.analysis.browser_tools import DESKTOP, signed_in, wait_ready

pytestmark = pytest.mark.browser

# A control's name in the test's messages: its id, else its tag, data attributes, text.
NAME = """(e) => {
  const data = Object.entries(e.dataset).map(([k, v]) => `[${k}=${v}]`).join("");
  if (e.id) return `#${e.id}`;
  const text = data ? "" : `:${(e.textContent || "").trim().slice(0, 30)}`;
  return `${e.tagName.toLowerCase()}${data}${text}`;
}"""

# What the focused element is and how its focus is drawn. Playwright's evaluate goes
# through the DevTools protocol, which the page's Content-Security-Policy does not block.
# A date field's focus sits in its parts (day, month, year), so the input itself matches
# :focus, not :focus-visible (fields show their focus on a click too); its calendar
# button, last, is focused with the field matching neither.
FOCUSED = f"""() => {{
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const clear = "rgba(0, 0, 0, 0)";
  const style = getComputedStyle(el);
  let clips = false;
  let back = clear;
  for (let p = el; p; p = p.parentElement) {{
    const s = getComputedStyle(p);
    if (p !== el && (s.overflowX !== "visible" || s.overflowY !== "visible")) clips = true;
    if (back === clear && s.backgroundColor !== clear) back = s.backgroundColor;
  }}
  const field = /^(INPUT|SELECT)$/.test(el.tagName) && el.matches(":focus");
  return {{
    name: ({NAME})(el), clips, back,
    date: el.type === "date", date_picker: el.type === "date" && !el.matches(":focus"),
    visible: el.matches(":focus-visible") || field,
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
    offset: parseFloat(style.outlineOffset), color: style.outlineColor, shadow: style.boxShadow,
  }};
}}"""

# Every control a pointer could use: what Tab must reach.
CONTROLS = f"""() => Array.from(document.querySelectorAll(
    'a[href], button, select, input, summary, [tabindex="0"]'))
  .filter((e) => !e.disabled && !e.closest("[hidden]") && e.getClientRects().length)
  .filter((e) => !e.closest("details:not([open])") || e.tagName === "SUMMARY")
  .map({NAME})"""


def luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", rgb)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_focus_shows(focus: dict) -> None:
    """The focused control draws an indicator of its own that a sighted user sees."""
    name = focus["name"]
    assert focus["visible"], f"{name}: not :focus-visible after a key press"
    assert focus["outline"] == "solid" and focus["width"] >= 2, f"{name}: no outline {focus}"
    back = "rgb(255, 255, 255)" if focus["back"] == "rgba(0, 0, 0, 0)" else focus["back"]
    assert contrast(focus["color"], back) >= 3, f"{name}: outline {focus['color']} on {back}"
    if focus["clips"]:  # inside a box that scrolls or clips: drawn inside the control
        assert focus["offset"] + focus["width"] <= 0, f"{name}: outline clipped {focus}"


def field_pixels(tab, name: str) -> bytes:
    return tab.locator(name).screenshot(animations="disabled")


def tab_through(tab, key: str = "Tab", limit: int = 300) -> list[str]:
    """Press ``key`` until the focus comes round again; each control's name, in order,
    its focus indicator checked on the way."""
    tab.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    seen: list[str] = []
    dates = tab.evaluate(
        "() => Array.from(document.querySelectorAll('input[type=date]'), (e) => e.id)"
    )
    unfocused = {f"#{name}": field_pixels(tab, f"#{name}") for name in dates}
    for _ in range(limit):
        tab.keyboard.press(key)
        focus = tab.evaluate(FOCUSED)
        if focus is None:  # past the last control: the next press starts at the top
            continue
        if seen and focus["name"] == seen[0]:
            break
        if focus["date_picker"]:
            # The calendar button inside a date field: no style of it can be read, so
            # its ring is seen in pixels, against the field with nothing focused.
            assert field_pixels(tab, focus["name"]) != unfocused[focus["name"]], focus
        else:
            assert_focus_shows(focus)
        if not seen or seen[-1] != focus["name"]:  # a date field's parts are one control
            seen.append(focus["name"])
    return seen


def assert_reversed(forward: list[str], backward: list[str]) -> None:
    """Shift+Tab visits the same controls as Tab, in the opposite order (a cycle: each
    walk starts where the focus was)."""
    back = list(reversed(backward))
    assert sorted(back) == sorted(forward)
    turn = back.index(forward[0])
    assert back[turn:] + back[:turn] == forward


def press_on(tab, selector: str, key: str, limit: int = 300) -> None:
    """Tab (from the top) to the control ``selector`` and press ``key`` on it."""
    tab.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(f"() => document.activeElement.matches({selector!r})"):
            tab.keyboard.press(key)
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def manager_tab(browser, live_server, growth_batch):
    access.person("planner", "manager", stations=["S01"], password="salmon-pass")
    tab = signed_in(browser, live_server, "planner", DESKTOP)
    yield tab
    assert tab.errors == []
    tab.context.close()


def test_the_batch_list_with_the_keyboard(transactional_db, manager_tab, live_server):
    tab = manager_tab
    tab.goto(f"{live_server.url}/")
    forward = tab_through(tab)
    assert set(tab.evaluate(CONTROLS)) <= set(forward)
    assert_reversed(forward, tab_through(tab, "Shift+Tab"))
    press_on(tab, "#batch-table a", "Enter")
    wait_ready(tab)
    assert "/growth/" in tab.url


def test_the_growth_page_with_the_keyboard(
    transactional_db, manager_tab, live_server, growth_batch
):
    tab = manager_tab
    tab.goto(f"{live_server.url}/batches/{growth_batch.id}/growth/")
    wait_ready(tab)
    tab.locator("#chart-table-box").evaluate("(d) => { d.open = true; }")  # its rows too
    tab.locator("#pens-more").click()  # the earlier stays' rows too
    forward = tab_through(tab)
    missing = set(tab.evaluate(CONTROLS)) - set(forward)
    assert not missing, f"not reached with Tab: {sorted(missing)}"
    for control in ("#recompute", "#download-csv", "#download-xlsx", "#granularity", "#start"):
        assert control in forward
    assert_reversed(forward, tab_through(tab, "Shift+Tab"))
    tab.locator("#chart-table-box").evaluate("(d) => { d.open = false; }")
    operate_the_growth_page(tab, growth_batch)


def pressed(tab, selector: str) -> str:
    return tab.locator(selector).get_attribute("aria-pressed")


def operate_the_growth_page(tab, growth_batch) -> None:
    press_on(tab, "#metric button[data-metric=population]", "Enter")
    assert pressed(tab, "#metric button[data-metric=population]") == "true"
    assert tab.inner_text("#chart-title") == "Population"
    press_on(tab, "#metric button[data-metric=temperature]", " ")
    assert pressed(tab, "#metric button[data-metric=temperature]") == "true"
    assert "metric=temperature" in tab.url

    press_on(tab, "#period-kind button[data-kind=by_week]", " ")
    assert pressed(tab, "#period-kind button[data-kind=by_week]") == "true"
    assert tab.locator("#periods tbody tr").count() == 6
    press_on(tab, "#period-kind button[data-kind=by_month]", "Enter")
    assert tab.locator("#periods tbody tr").count() == 2

    press_on(tab, "#granularity", "ArrowDown")
    wait_ready(tab)
    assert tab.locator("#granularity").input_value() == "weekly"
    tab.locator("#growth-app[data-ready='1']").wait_for()
    assert "granularity=weekly" in tab.url

    press_on(tab, "#chart-table-box summary", "Enter")
    tab.locator("#chart-table tbody tr").first.wait_for()
    assert tab.locator("#chart-table-box").evaluate("(d) => d.open")
    press_on(tab, "#chart-table-box summary", " ")
    assert not tab.locator("#chart-table-box").evaluate("(d) => d.open")

    press_on(tab, "#pens button[data-sort=end_fish]", "Enter")
    assert tab.locator("#pens th[aria-sort=ascending]").count() == 1

    with tab.expect_download() as download:
        press_on(tab, "#download-xlsx", "Enter")
    assert download.value.suggested_filename.endswith(".xlsx")
    with tab.expect_download() as download:
        press_on(tab, "#download-csv", " ")
    assert Path(download.value.path()).read_text().startswith(f"# {growth_batch.number}")

    press_on(tab, "#recompute", "Enter")
    tab.locator("#recompute-status [data-state=done]").wait_for(timeout=30_000)
    assert "Recompute done at" in tab.inner_text("#recompute-status")
    wait_ready(tab)

    plan = growth_batch.scenarios.get()
    line = f"#scenarios li[data-scenario='{plan.id}']"
    press_on(tab, f"{line} button[data-pin]", "Enter")
    # The plan in force already (the newest): pinned, nothing to recompute.
    tab.locator(line, has_text="in force, pinned").wait_for(timeout=30_000)
    wait_ready(tab)
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id == plan.id

    tank = growth_batch.assignments.get(container__name="S01-B-01")
    press_on(tab, f"#containers button[data-assignment='{tank.id}']", "Enter")
    tab.locator("#chart-scope", has_text="S01-B-01").wait_for()
    assert pressed(tab, f"#containers button[data-assignment='{tank.id}']") == "true"
    assert f"container={tank.id}" in tab.url
