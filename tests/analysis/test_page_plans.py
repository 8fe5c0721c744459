"""The growth page's plans and recompute progress, in headless Chromium at 1440x900 and
390x844: a manager pins a plan and the plan line and its name change, then recomputes
and sees the status reach done; a viewer sees the plans without the controls; with the
broker down the page says what was saved and what was not queued."""

from __future__ import annotations

import pytest

from aquagrowth.farm import models as m
from tests import access, farm_builder
from tests.analysis.browser_tools import DESKTOP, OUTPUT, PHONE, signed_in, wait_ready
from tests.analysis.test_page_manager import axe_violations
from tests.distributed.brokers import broker_at, refused_port

pytestmark = pytest.mark.browser

PLAN_B = {"Egg&Alevin": (3.0, 1.1, 0.002), "Fry": (3.2, 1.1, 0.002), "Parr": (3.4, 1.2, 0.001)}

STATES_SEEN = """() => { window.statesSeen = [];
  new MutationObserver(() => { const n = document.querySelector('#recompute-status [data-state]');
    if (n) window.statesSeen.push([n.dataset.state, n.textContent]); })
  .observe(document.querySelector('#recompute-status'), {childList: true, subtree: true}); }"""


def growth_url(live_server, batch) -> str:
    return f"{live_server.url}/batches/{batch.id}/growth/"


@pytest.fixture
def plans(growth_batch, stages) -> tuple[m.Scenario, m.Scenario]:
    """Plan A, and a newer Plan B (in force, unpinned) that grows faster."""
    plan_b = farm_builder.scenario(
        growth_batch, stages, PLAN_B, [(1, 10.0), (400, 12.0)], name="Plan B"
    )
    return growth_batch.scenarios.get(name="Plan A"), plan_b


def manager_tab(browser, live_server, viewport):
    access.person("planner", "manager", stations=["S01"])
    return signed_in(browser, live_server, "planner", viewport)


def plan_line(tab) -> list[float]:
    return tab.evaluate(
        "window.growthChart.data.datasets.find(d => d.kind === 'scenario').data.map(p => p.y)"
    )


def wait_for_state(tab, state: str, text: str) -> None:
    tab.wait_for_function(
        "([state, text]) => window.statesSeen.some(([s, t]) => s === state && t.includes(text))",
        arg=[state, text],
        timeout=30_000,
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_manager_pins_a_plan_then_recomputes_and_sees_it_done(
    transactional_db, browser, live_server, growth_batch, plans, size
):
    plan_a, _ = plans
    viewport = DESKTOP if size == "desktop" else PHONE
    tab = manager_tab(browser, live_server, viewport)
    tab.goto(growth_url(live_server, growth_batch))
    wait_ready(tab)
    tab.wait_for_selector("#scenarios li[data-scenario]")
    assert tab.inner_text("#scenario-name").startswith("Plan: Plan B (the newest)")
    assert "in force, the newest" in tab.inner_text(f"#scenarios li[data-scenario='{plans[1].id}']")
    line_b = plan_line(tab)
    tab.evaluate(STATES_SEEN)

    tab.click(f"#scenarios li[data-scenario='{plan_a.id}'] button[data-pin]")

    wait_for_state(tab, "done", "Recompute with the new plan done")
    wait_ready(tab)
    assert tab.inner_text("#scenario-name").startswith("Plan: Plan A (pinned)")
    assert "Plan (Plan A)" in tab.inner_text("#chart-key")
    assert plan_line(tab) != line_b
    # The line drawn is the new answer's plan (in kg once the fish pass 2 kg).
    per_g = 1000 if "(kg)" in tab.evaluate("window.growthChart.options.scales.y.title.text") else 1
    planned = tab.evaluate("window.growthData.scenario_projection.avg_weight_g")
    assert [y * per_g for y in plan_line(tab)] == pytest.approx([v for v in planned if v])
    pinned = tab.inner_text(f"#scenarios li[data-scenario='{plan_a.id}']")
    assert "in force, pinned" in pinned and "Unpin (use the newest)" in pinned
    assert "planner: the newest → Plan A" in tab.inner_text("#pin-history")
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id == plan_a.id
    assert m.ScenarioPinChange.objects.get().who_name == "planner"

    tab.click("#recompute")
    wait_for_state(tab, "done", "Recompute done at")
    states = [s for s, _ in tab.evaluate("window.statesSeen")]
    # Pin: asked, queued, done; then the button: asked, queued, done (no broker here:
    # the run is over before the first poll, so "running" is not seen).
    assert states[-3:] == ["asking", "queued", "done"], states
    done = tab.inner_text("#recompute-status")
    assert "daily states computed in" in done and "The figures are reloaded." in done
    status = tab.locator("#recompute-status")
    assert (status.get_attribute("role"), status.get_attribute("aria-live")) == ("status", "polite")
    assert not tab.locator("#recompute").is_disabled()
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(tab) == []  # the plans' controls and the status line
    tab.locator("#scenario-card").scroll_into_view_if_needed()
    tab.screenshot(path=str(OUTPUT / f"growth-plans-{size}.png"))
    assert tab.errors == []
    tab.context.close()


def test_a_viewer_sees_the_plans_without_the_controls(
    transactional_db, page, live_server, growth_batch, plans
):
    page.goto(growth_url(live_server, growth_batch))
    wait_ready(page)
    page.wait_for_selector("#scenarios li[data-scenario]")
    assert page.locator("#scenarios li[data-scenario]").count() == 2
    assert page.locator("#scenarios button").count() == 0
    assert page.locator("#recompute").count() == 0
    assert "harvest 5.00 kg" in page.inner_text("#scenarios")


def test_with_the_broker_down_the_page_says_what_was_saved(
    transactional_db, browser, live_server, growth_batch, plans
):
    plan_a, _ = plans
    tab = manager_tab(browser, live_server, DESKTOP)
    tab.goto(growth_url(live_server, growth_batch))
    wait_ready(tab)
    tab.wait_for_selector("#scenarios li[data-scenario]")
    tab.evaluate(STATES_SEEN)
    with broker_at(f"redis://127.0.0.1:{refused_port()}/0"):
        tab.click(f"#scenarios li[data-scenario='{plan_a.id}'] button[data-pin]")
        wait_for_state(tab, "not-queued", "Saved, but the recompute could not be queued")
        tab.wait_for_function(
            "() => document.querySelector('#scenario-name').textContent.includes('Plan A')"
        )
        tab.click("#recompute")
        wait_for_state(tab, "not-queued", "The recompute could not be queued")
    assert tab.locator("#recompute-status button[data-action=recompute-again]").count() == 1
    assert "Traceback" not in tab.inner_text("#recompute-status")
    growth_batch.refresh_from_db()
    assert growth_batch.pinned_scenario_id == plan_a.id
    assert tab.errors == []
    tab.context.close()
