"""The site page in headless Chromium at a desktop's and a phone's size: the chart is
drawn from the page's numbers in under a second, the headroom and the pens are shown,
an alert is acknowledged from the page."""

from __future__ import annotations

import pytest

from aquagrowth.sites.alerts import evaluate
from aquagrowth.sites.models import Alert
from tests import access
from tests.analysis.browser_tools import OUTPUT
from tests.sites.conftest import RECORDS_END, cap_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_site_page_draws_its_chart_headroom_and_pens(browser, live_server, sea_farm, width, height):
    group = cap_group(sea_farm["area"], 50.0)
    evaluate(today=RECORDS_END)
    access.person("op-north", "operator", sea_areas=["North"])
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.fill("#id_username", "op-north")
    tab.fill("#id_password", access.PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    tab.goto(f"{live_server.url}/sites/sea-area/{sea_farm['area'].pk}/")
    tab.wait_for_selector("#site-chart[data-drawn]", timeout=5_000)
    # From the start of the navigation to the chart drawn: the page's own clock.
    assert int(tab.get_attribute("#site-chart", "data-drawn-at-ms")) < 1000
    assert int(tab.get_attribute("#site-chart", "data-drawn")) == 2  # actual and forecast
    # The standing biomass's 90 % band (the pens' smoothed bands pooled), said in words.
    days = len(
        tab.evaluate("JSON.parse(document.getElementById('site-data').textContent).biomass.actual")
    )
    assert int(tab.get_attribute("#site-chart", "data-band-days")) == days > 0
    assert tab.is_visible("#site-band-note")
    assert "90 % band" in tab.inner_text("#site-band-note")
    assert "90 % band" in tab.inner_text(".site-summary .figure")
    # The top bar leads back to the sites from any page.
    assert tab.get_attribute(".topbar a.topbar-link", "href") == "/sites/"
    tab.screenshot(path=str(OUTPUT / f"site-band-{width}.png"))
    headroom = tab.inner_text(f"[data-group='{group.pk}'] .headroom")
    assert "headroom" in headroom and headroom.startswith("-")  # over its 50 t cap
    assert tab.locator("table.pens tbody tr").count() == 2
    # Nothing wider than the screen but the pens' own scrolling table.
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    alert = Alert.objects.get(licence_group=group)
    tab.click(f"[data-alert='{alert.pk}'] button.ack")
    tab.wait_for_selector(f"[data-alert='{alert.pk}'] button.ack", state="detached")
    alert.refresh_from_db()
    assert alert.acknowledged_by_name == "op-north"
    assert errors == []
    context.close()


def test_another_sites_page_is_not_found(client, sea_farm):
    client.force_login(access.person("op-south", "operator", sea_areas=["South"]))
    assert client.get(f"/sites/sea-area/{sea_farm['area'].pk}/").status_code == 404
    assert client.get(f"/api/v1/sites/sea-area/{sea_farm['area'].pk}/").status_code == 404


def test_the_top_bar_links_to_the_sites_only_for_users_who_may_see_one(client, sea_farm):
    client.force_login(access.person("op-north", "operator", sea_areas=["North"]))
    assert 'href="/sites/"' in client.get("/").content.decode()
    client.force_login(access.person("nobody", "viewer"))
    assert 'href="/sites/"' not in client.get("/").content.decode()
