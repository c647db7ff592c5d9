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

  window.Stripe = function Stripe(apiKey, options) {
    const stripe = localstripeStripe(apiKey, options);
    const authenticate = stripe.confirmCardPayment;
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
