/* Copy-link buttons: <button data-copy-text="URL" hidden> is shown when
   this script runs (without it the URL stays selectable in its input), and
   copies the URL, saying so in the [data-copy-status] next to it. */
(function () {
  "use strict";

  function say(button, text) {
    var status = button.parentNode.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
  }

  function fallback(button, text) {
    var box = button.closest(".share-box");
    var input = box && box.querySelector("[data-share-url]");
    if (!input) { return false; }
    input.focus();
    input.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function copy(button) {
    var text = button.getAttribute("data-copy-text");
    var done = function () {
      button.setAttribute("data-copied", "1");
      say(button, "已复制 Copied");
    };
    var failed = function () {
      if (fallback(button, text)) { done(); } else { say(button, "请长按复制 Press and hold to copy"); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  }

  var buttons = document.querySelectorAll("[data-copy-text]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
  }
})();
