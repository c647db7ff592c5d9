"""The impact pages on a 390 px phone: nothing scrolls sideways with large
amounts and a negative month, the three period cards stack, and the chart
is drawn without JavaScript, a negative month below its zero line. Nothing
is mocked: a live server and Debian's chromium."""

import pytest

from tests.browser.test_phone_layout import assert_fits
from tests.browser.test_shopping_path import phone_browser
from tests.revenue.impact_builders import noon_in, sell, sell_and_refund


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_impact_pages_fit_a_phone_and_draw_the_chart(live_server, midday, time_machine):
    sold = sell_and_refund(time_machine)
    scene = sold.scene
    # Last month a ¥12,345,678.90 sale: long figures in the year's cards,
    # while this month stays negative.
    sell(
        [(scene.w2, scene.brand, 1_234_567_890, 1)],
        host=sold.host,
        when=noon_in(sold.last_month),
        time_machine=time_machine,
    )
    base = live_server.url
    pages = {
        "impact": f"{base}/impact/",
        "brand impact": f"{base}/impact/{scene.brand.slug}/",
        "village": f"{base}/villages/{scene.v1.slug}/",
    }
    with phone_browser() as page:
        for what, url in pages.items():
            page.goto(url)
            assert_fits(page, what)
        page.goto(pages["brand impact"])
        cards = page.locator(".impact-period")
        assert cards.count() == 3
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert second["y"] >= first["y"] + first["height"]  # stacked
        chart = page.locator(".impact-chart svg")
        assert chart.is_visible()
        axis = page.locator(".impact-chart .axis").bounding_box()
        negative = page.locator(".impact-chart .bar-negative").first.bounding_box()
        assert negative["y"] >= axis["y"] - 1
        assert chart.bounding_box()["width"] <= 390
