"""The purchase a phone makes from a product page: two units into the cart,
checkout to a Zhejiang address, the test card typed into localstripe's
Stripe.js, and the order page once the signed webhook says paid."""

from tests.browser.test_shopping_path import ARTIFACTS


def buy_from_product_page(page, base_url, *, product_name, screenshot, email):
    checkout_to_pay_page(page, base_url, product_name=product_name, email=email)
    pay_with_test_card(page, screenshot=screenshot)


def pay_with_test_card(page, *, screenshot):
    """On the pay page: the test card into localstripe's Stripe.js, then the
    order page once the signed webhook says paid."""
    pay = page.locator("#pay-card")
    pay.wait_for(state="visible")
    page.wait_for_function("() => !document.getElementById('pay-card').disabled")
    page.fill("input[placeholder=number]", "4242424242424242")
    page.fill("input[placeholder=exp_month]", "12")
    page.fill("input[placeholder=exp_year]", "30")
    page.fill("input[placeholder=cvc]", "123")
    page.fill("input[placeholder=postal_code]", "202450")
    pay.click()
    page.wait_for_url("**/orders/*/", timeout=15_000)

    page.locator(".order-status", has_text="已支付").wait_for(timeout=20_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)


def checkout_to_pay_page(page, base_url, *, product_name, email):
    """From a product page: two units into the cart, checkout to a Zhejiang
    address, and on to the pay page."""
    page.fill("#add-quantity", "2")
    page.get_by_role("button", name="加入购物车").click()
    page.goto(f"{base_url}/cart/")
    assert product_name in page.locator("body").inner_text()
    checkout_from_cart(page, email=email)


def checkout_from_cart(page, *, email):
    """From the cart page: checkout to a Zhejiang address, on to pay."""
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url("**/checkout/")

    page.fill("#id_email", email)
    page.fill("#id_recipient_name", "王小明")
    page.fill("#id_phone", "138 0013 8000")
    page.select_option("#id_province", "浙江省")
    page.fill("#id_city", "舟山市")
    page.fill("#id_district", "嵊泗县")
    page.fill("#id_street_address", "菜园镇渔港路 1 号")
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url("**/pay/")
