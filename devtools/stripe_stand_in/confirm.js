/*
 * Appended to localstripe's fake Stripe.js by
 * devtools/stripe_stand_in/launcher.py (served at /js.stripe.com/v3/).
 *
 * localstripe 1.15's confirmCardPayment() only runs its 3D Secure modal. This
 * makes `stripe.confirmCardPayment(clientSecret, {payment_method: {card:
 * cardElement, billing_details: {...}}})` behave like real Stripe.js: create
 * a card PaymentMethod from the element, confirm the PaymentIntent with the
 * publishable key and client secret, run localstripe's 3D Secure modal when
 * the intent requires action, and resolve to {paymentIntent} or {error}.
 *
 * confirmAlipayPayment() and confirmWechatPayPayment() confirm with
 * payment_method_data and follow next_action like Stripe.js: a redirect to
 * the stand-in's authorise page, or WeChat Pay's QR code in a dialog that
 * waits until the code is paid, fails or expires (wallets.py).
 *
 * It relies on localstripe's script scope: LOCALSTRIPE_BASE_API, the card
 * Element class and the Stripe factory.
 */
(function () {
  'use strict';

  const localstripeStripe = window.Stripe;

  function validationError(code, message) {
    return {error: {type: 'validation_error', code: code, message: message}};
  }

  async function post(path, body) {
    let response;
    try {
      // A text/plain body keeps the cross-origin call free of a preflight,
      // as in localstripe's own calls; the server parses it as JSON.
      response = await fetch(LOCALSTRIPE_BASE_API + path, {
        method: 'POST',
        body: JSON.stringify(body),
      });
    } catch (err) {
      return {error: {type: 'api_connection_error', message: String(err)}};
    }
    const json = await response.json().catch(() => ({}));
    if (!response.ok || json.error) {
      return {error: json.error || {
        type: 'api_error',
        message: `localstripe answered HTTP ${response.status}`,
      }};
    }
    return {body: json};
  }

  // The card element's inputs, in the shape POST /v1/payment_methods takes.
  function cardFromElement(element) {
    const value = element.value && element.value.card;
    if (!value) {
      return validationError('incomplete_number',
                             'Your card number is incomplete.');
    }
    const number = String(value.number || '').replace(/[\s-]/g, '');
    const expMonth = String(value.exp_month || '').trim();
    let expYear = String(value.exp_year || '').trim();
    // localstripe's element prefixes "20" to the year typed; allow "2030".
    if (/^20\d{4}$/.test(expYear)) {
      expYear = expYear.slice(2);
    }
    const cvc = String(value.cvc || '').trim();
    if (!/^\d{16}$/.test(number)) {
      return validationError('incomplete_number',
                             'Your card number is incomplete.');
    }
    if (!/^\d{1,2}$/.test(expMonth) || !/^20\d\d$/.test(expYear)) {
      return validationError('incomplete_expiry',
                             "Your card's expiration date is incomplete.");
    }
    if (!/^\d{3}$/.test(cvc)) {
      return validationError('incomplete_cvc',
                             "Your card's security code is incomplete.");
    }
    return {card: {number: number, exp_month: expMonth, exp_year: expYear,
                   cvc: cvc}};
  }

  function billingDetails(given, element) {
    const details = Object.assign({}, given || {});
    const postalCode = element.value && element.value.postal_code;
    if (postalCode) {
      details.address = Object.assign({postal_code: postalCode},
                                      details.address || {});
    }
    return details;
  }

  // Stripe.js resolves a payment that did not go through to {error}.
  function result(intent) {
    if (intent.status !== 'requires_payment_method') {
      return {paymentIntent: intent};
    }
    const failure = intent.last_payment_error || {};
    return {error: {
      type: failure.code === 'payment_intent_authentication_failure' ?
        'invalid_request_error' : 'card_error',
      code: failure.code,
      message: failure.message || 'The payment could not be completed.',
      payment_intent: intent,
    }};
  }

  async function confirmCardPayment(apiKey, authenticate, clientSecret, data,
                                    options) {
    const match = /^(pi_\w+)_secret_/.exec(clientSecret || '');
    if (!match) {
      return {error: {type: 'invalid_request_error',
                      message: 'Invalid client secret: ' + clientSecret}};
    }
    const confirmation = {key: apiKey, client_secret: clientSecret};
    const method = data && data.payment_method;
    if (typeof method === 'string') {
      confirmation.payment_method = method;
    } else if (method) {
      if (!(method.card instanceof Element)) {
        return {error: {type: 'invalid_request_error',
                        message: 'payment_method.card must be a card Element'}};
      }
      const card = cardFromElement(method.card);
      if (card.error) {
        return card;
      }
      const created = await post('/v1/payment_methods', {
        key: apiKey,
        type: 'card',
        card: card.card,
        billing_details: billingDetails(method.billing_details, method.card),
      });
      if (created.error) {
        return {error: created.error};
      }
      confirmation.payment_method = created.body.id;
    }

    const confirmed = await post(`/v1/payment_intents/${match[1]}/confirm`,
                                 confirmation);
    if (confirmed.error) {
      return {error: confirmed.error};
    }
    let intent = confirmed.body;
    if (intent.status === 'requires_action' &&
        !(options && options.handleActions === false)) {
      // localstripe's own confirmCardPayment: its 3D Secure modal, then
      // POST /v1/payment_intents/{id}/_authenticate.
      const authenticated = await authenticate(clientSecret);
      if (authenticated.error) {
        return {error: authenticated.error};
      }
      intent = authenticated.paymentIntent;
    }
    return result(intent);
  }

  function intentIdOf(clientSecret) {
    const match = /^(pi_\w+)_secret_/.exec(clientSecret || '');
    return match && match[1];
  }

  async function retrieve(apiKey, clientSecret) {
    const query = new URLSearchParams({key: apiKey, client_secret: clientSecret});
    try {
      const response = await fetch(LOCALSTRIPE_BASE_API + '/v1/payment_intents/' +
                                   intentIdOf(clientSecret) + '?' + query);
      const json = await response.json();
      return response.ok ? {body: json} : {error: json.error};
    } catch (err) {
      return {error: {type: 'api_connection_error', message: String(err)}};
    }
  }

  // What Stripe.js does with a WeChat Pay QR code: show it in a dialog and
  // wait until the intent leaves requires_action (paid, failed, expired), or
  // until the customer closes the dialog.
  function showQrCode(apiKey, clientSecret, qr) {
    return new Promise(function (resolve) {
      const overlay = document.createElement('div');
      overlay.id = 'localstripe-wechat-qr';
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-label', 'WeChat Pay');
      Object.assign(overlay.style, {
        position: 'fixed', inset: '0', background: 'rgba(0,0,0,.5)',
        display: 'flex', alignItems: 'center', justifyContent: 'center',
        zIndex: '10000',
      });
      const box = document.createElement('div');
      Object.assign(box.style, {background: '#fff', padding: '1rem',
                                textAlign: 'center', maxWidth: '90vw'});
      const title = document.createElement('p');
      title.textContent = '微信扫码支付 Scan with WeChat';
      const image = document.createElement('img');
      image.src = qr.image_data_url;
      image.alt = qr.data;
      image.width = 200;
      image.height = 200;
      const link = document.createElement('a');
      link.id = 'localstripe-wechat-scan';
      link.href = qr.data;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = '(stand-in) open the page the code points to';
      link.style.display = 'block';
      const close = document.createElement('button');
      close.type = 'button';
      close.textContent = '关闭 Close';
      box.append(title, image, link, close);
      overlay.append(box);
      document.body.append(overlay);
      let done = false;
      function finish(value) {
        if (!done) {
          done = true;
          overlay.remove();
          resolve(value);
        }
      }
      close.addEventListener('click', async function () {
        const latest = await retrieve(apiKey, clientSecret);
        finish(latest.error ? {error: latest.error} : result(latest.body));
      });
      (async function poll() {
        while (!done) {
          await new Promise(function (wake) { setTimeout(wake, 500); });
          const latest = await retrieve(apiKey, clientSecret);
          if (!done && !latest.error && latest.body.status !== 'requires_action') {
            finish(result(latest.body));
          }
        }
      })();
    });
  }

  // confirmAlipayPayment / confirmWechatPayPayment: confirm with
  // payment_method_data of the wallet's type, then follow next_action as
  // Stripe.js does (leave for the authorise page, or show the QR code).
  async function confirmWallet(apiKey, type, clientSecret, data, options) {
    const id = intentIdOf(clientSecret);
    if (!id) {
      return {error: {type: 'invalid_request_error',
                      message: 'Invalid client secret: ' + clientSecret}};
    }
    data = data || {};
    const confirmation = {
      key: apiKey,
      client_secret: clientSecret,
      payment_method_data: Object.assign({type: type},
                                         data.payment_method || {}),
    };
    if (data.return_url) {
      confirmation.return_url = data.return_url;
    }
    if (data.payment_method_options) {
      confirmation.payment_method_options = data.payment_method_options;
    }
    const confirmed = await post(`/v1/payment_intents/${id}/confirm`,
                                 confirmation);
    if (confirmed.error) {
      return {error: confirmed.error};
    }
    const intent = confirmed.body;
    const next = intent.next_action;
    if (!next || (options && options.handleActions === false)) {
      return result(intent);
    }
    if (next.type === 'redirect_to_url') {
      window.location.assign(next.redirect_to_url.url);
      // Stripe.js never resolves once it has left the page.
      return new Promise(function () {});
    }
    if (next.type === 'wechat_pay_display_qr_code') {
      return showQrCode(apiKey, clientSecret, next.wechat_pay_display_qr_code);
    }
    return result(intent);
  }

  window.Stripe = function Stripe(apiKey, options) {
    const stripe = localstripeStripe(apiKey, options);
    const authenticate = stripe.confirmCardPayment;
    stripe.confirmAlipayPayment = (clientSecret, data, confirmOptions) =>
      confirmWallet(apiKey, 'alipay', clientSecret, data, confirmOptions)
        .catch((err) => ({error: {type: 'api_error', message: String(err)}}));
    stripe.confirmWechatPayPayment = (clientSecret, data, confirmOptions) =>
      confirmWallet(apiKey, 'wechat_pay', clientSecret, data, confirmOptions)
        .catch((err) => ({error: {type: 'api_error', message: String(err)}}));
    stripe.confirmCardPayment = async (clientSecret, data, confirmOptions) => {
      try {
        return await confirmCardPayment(apiKey, authenticate, clientSecret,
                                        data, confirmOptions);
      } catch (err) {
        return {error: {type: 'api_error', message: String(err)}};
      }
    };
    return stripe;
  };

  console.log('localstripe: confirmCardPayment() creates the PaymentMethod ' +
              'from the card element (storefront override).');
})();
