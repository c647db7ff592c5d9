/* Live session page: poll state.json every few seconds and show the product
   the host has pinned (photo, name, price, the buy form's variant) without a
   reload. Host console: poll figures.json and refresh the counts. Without
   JavaScript the viewer page reloads itself through <noscript> refresh. */
(function () {
  "use strict";

  var MAX_DELAY = 60000;

  function poller(url, seconds, show) {
    var interval = Math.max(1, Number(seconds) || 3) * 1000;
    var failures = 0;
    function poll() {
      if (document.hidden) { return window.setTimeout(poll, interval); }
      fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data);
          window.setTimeout(poll, interval);
        })
        .catch(function () {
          failures += 1;
          window.setTimeout(poll, Math.min(MAX_DELAY, interval * Math.pow(2, failures)));
        });
    }
    window.setTimeout(poll, interval);
  }

  function markPinned(root, productId) {
    var items = root.querySelectorAll(".live-product[data-product-id]");
    for (var i = 0; i < items.length; i++) {
      var on = items[i].getAttribute("data-product-id") === String(productId);
      items[i].classList.toggle("is-pinned", on);
    }
  }

  function each(root, selector, fn) {
    var found = root.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) { fn(found[i]); }
  }

  function showState(root, state) {
    var card = root.querySelector("[data-pinned]");
    var empty = root.querySelector("[data-pinned-empty]");
    var pinned = state.pinned;
    if (!card) { return; }
    card.hidden = !pinned;
    if (empty) { empty.hidden = !!pinned; }
    markPinned(root, pinned ? pinned.product_id : "");
    if (!pinned) { card.setAttribute("data-product-id", ""); return; }
    if (card.getAttribute("data-product-id") === String(pinned.product_id)) {
      // Same product: only its price may have changed.
      each(card, "[data-pinned-price]", function (el) { el.textContent = pinned.price; });
      return;
    }
    card.setAttribute("data-product-id", String(pinned.product_id));
    each(card, "[data-pinned-name]", function (el) { el.textContent = pinned.name; });
    each(card, "[data-pinned-price]", function (el) { el.textContent = pinned.price; });
    each(card, "[data-pinned-link]", function (el) { el.setAttribute("href", pinned.url); });
    each(card, "[data-pinned-variant]", function (el) { el.value = pinned.variant_id || ""; });
    each(card, "[data-pinned-image]", function (el) {
      el.hidden = !pinned.image_url;
      el.setAttribute("alt", pinned.name);
      if (pinned.image_url) { el.setAttribute("src", pinned.image_url); }
      else { el.removeAttribute("src"); }
    });
    each(card, "[data-pinned-placeholder]", function (el) {
      el.hidden = !!pinned.image_url;
      el.textContent = pinned.name.charAt(0);
    });
  }

  function showFigures(root, figures) {
    each(root, "[data-figure]", function (el) {
      var name = el.getAttribute("data-figure");
      if (figures[name] !== undefined) { el.textContent = String(figures[name]); }
    });
  }

  // A random id per browser tab, sent with each poll, so the host's console
  // can count who is watching (storefront.links.watching).
  function viewerId() {
    var id = "";
    try { id = window.sessionStorage.getItem("gf_viewer") || ""; } catch (e) { id = ""; }
    if (!/^[A-Za-z0-9]{12,32}$/.test(id)) {
      id = (Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2)).slice(0, 16);
      if (id.length < 12) { id = (id + "000000000000").slice(0, 12); }
      try { window.sessionStorage.setItem("gf_viewer", id); } catch (e) { /* private mode */ }
    }
    return id;
  }

  if (!window.fetch) { return; }
  var live = document.querySelector("[data-live-state-url]");
  if (live) {
    var stateUrl = live.getAttribute("data-live-state-url");
    stateUrl += (stateUrl.indexOf("?") < 0 ? "?" : "&") + "v=" + viewerId();
    poller(stateUrl, live.getAttribute("data-poll-seconds"),
      function (state) { showState(live, state); });
  }
  var console_ = document.querySelector("[data-figures-url]");
  if (console_) {
    poller(console_.getAttribute("data-figures-url"), console_.getAttribute("data-poll-seconds"),
      function (figures) { showFigures(console_, figures); });
  }
})();
