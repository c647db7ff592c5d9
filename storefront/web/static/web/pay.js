/*
 * Pay page (web/pay.html): mount Stripe's card element and confirm the
 * order's PaymentIntent with Stripe.js, exactly as with real Stripe.
 *
 * The server created the PaymentIntent for the order's server-computed total
 * and put only its client secret and the publishable key in data- attributes.
 * Nothing here marks the order paid: Stripe's webhook does, and the order
 * page waits for it. While a confirmation runs every button is disabled and
 * further clicks are ignored, so a double click cannot confirm twice.
 */
(function () {
  'use strict';

  const root = document.getElementById('pay');
  if (!root) {
    return;
  }
  const data = root.dataset;
  const messageBox = document.getElementById('pay-message');
  const buttons = Array.from(root.querySelectorAll('button'));
  let busy = false;

  function message(key) {
    const source = root.querySelector('[data-message="' + key + '"]');
    return source ? source.textContent.trim() : '';
  }

  function show(text, isError) {
    messageBox.textContent = text;
    messageBox.classList.toggle('is-error', Boolean(isError));
  }

  function setBusy(value) {
    busy = value;
    root.setAttribute('aria-busy', value ? 'true' : 'false');
    buttons.forEach(function (button) {
      button.disabled = value;
    });
  }

  if (typeof window.Stripe !== 'function') {
    show(message('unavailable'), true);
    return;
  }

  // Stripe's own messages (a declined card) in the page's language.
  const stripe = window.Stripe(data.publishableKey, {locale: data.locale || 'zh'});
  const card = stripe.elements().create('card');
  card.mount('#card-element');

  // Alipay / WeChat Pay attempts that failed or expired, in our words.
  const WALLET_ERRORS = {
    payment_intent_payment_attempt_failed: 'failed',
    payment_intent_payment_attempt_expired: 'expired',
  };
  const PAID_OR_PAYING = ['succeeded', 'processing', 'requires_capture'];

  async function pay(confirm) {
    if (busy) {
      return;
    }
    setBusy(true);
    show(message('paying'), false);
    let result;
    try {
      result = await confirm();
    } catch (err) {
      result = {error: {message: String((err && err.message) || err)}};
    }
    if (!result || result.error) {
      const error = (result && result.error) || {};
      show(WALLET_ERRORS[error.code] ? message(WALLET_ERRORS[error.code]) :
        error.message || message('unavailable'), true);
      setBusy(false);
      return;
    }
    const status = result.paymentIntent && result.paymentIntent.status;
    if (status && !PAID_OR_PAYING.includes(status)) {
      // The WeChat Pay QR code was closed before it was paid.
      show(message('incomplete'), true);
      setBusy(false);
      return;
    }
    // Buttons stay disabled: this intent is confirmed, the order page shows
    // "processing" until the webhook has marked the order paid.
    show(message('paid'), false);
    window.location.assign(data.orderUrl);
  }

  document.getElementById('card-form').addEventListener('submit', function (event) {
    event.preventDefault();
    pay(function () {
      return stripe.confirmCardPayment(data.clientSecret, {
        payment_method: {
          card: card,
          billing_details: {
            name: data.billingName,
            phone: data.billingPhone,
            email: data.billingEmail,
          },
        },
      });
    });
  });

  const alipay = document.getElementById('pay-alipay');
  if (alipay) {
    alipay.addEventListener('click', function () {
      // On success Stripe.js leaves for Alipay and comes back to return_url.
      pay(function () {
        return stripe.confirmAlipayPayment(data.clientSecret, {
          return_url: data.returnUrl,
        });
      });
    });
  }

  const wechat = document.getElementById('pay-wechat');
  if (wechat) {
    wechat.addEventListener('click', function () {
      pay(function () {
        // Stripe.js shows the QR code and resolves once it is paid or closed.
        // Phones too: Stripe's `client` is web, ios or android (apps), so a
        // phone's browser shows the code, to long-press in WeChat.
        return stripe.confirmWechatPayPayment(data.clientSecret, {
          payment_method_options: {wechat_pay: {client: 'web'}},
        });
      });
    });
  }

  // The buttons start disabled in the HTML and work once the card is mounted.
  setBusy(false);
})();
