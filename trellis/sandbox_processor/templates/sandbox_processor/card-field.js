/* The sandbox's card field, inside the merchant's iframe; and its bank
 * account field, whose form names its fields (data-fields) and its kind
 * (data-kind="bank_account", sent to the API).
 *
 * The merchant's page asks {type: "tokenize"}; this posts the card (or the
 * bank account) to the sandbox's API (same origin as this frame), shows any
 * errors here, and answers {type: "token", token, card} ({type: "token",
 * token, bank_account} for a bank account) or {type: "error"}. It also sends
 * {type: "resize", height} and, when Enter is pressed here, {type: "submit"}.
 * Messages go to the merchant's origin only (from the server's settings), and
 * are taken only from the parent window at that origin.
 */
(function () {
  "use strict";
  var form = document.getElementById("card-field");
  var merchantOrigin = form.getAttribute("data-merchant-origin");
  var apiUrl = form.getAttribute("data-api-url");
  var fields = (form.getAttribute("data-fields") || "number exp_month exp_year cvv").split(" ");
  var kind = form.getAttribute("data-kind");
  var busy = false;

  function tell(message) {
    if (window.parent !== window) window.parent.postMessage(message, merchantOrigin);
  }

  function resize() {
    // The form's own height: the document's is never less than the frame's.
    var bottom = form.getBoundingClientRect().bottom + window.scrollY;
    tell({ type: "resize", height: Math.ceil(bottom) + 4 });
  }

  function showErrors(errors) {
    var first = null;
    fields.concat(["form"]).forEach(function (name) {
      var box = document.getElementById(name + "-error");
      var input = document.getElementById(name);
      var message = name === "form" ? errors.__all__ || "" : errors[name] || "";
      box.textContent = message;
      box.hidden = !message;
      if (!input) return;
      if (message) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
    if (first) first.focus();
    resize();
  }

  function values() {
    var body = { setup: form.getAttribute("data-setup") };
    if (kind) body.kind = kind;
    fields.forEach(function (name) {
      // A text input's value, or the checked radio's in a group ("" if none).
      body[name] = form.elements[name].value;
    });
    return body;
  }

  function unavailable() {
    showErrors({ __all__: form.getAttribute("data-unavailable") });
    tell({ type: "error" });
  }

  function tokenize() {
    if (busy) return;
    busy = true;
    fetch(apiUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(values()),
      credentials: "omit",
      cache: "no-store"
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (result.ok && result.data.id) {
          showErrors({});
          var answer = { type: "token", token: result.data.id };
          if (result.data.card) answer.card = result.data.card;
          if (result.data.bank_account) answer.bank_account = result.data.bank_account;
          tell(answer);
        } else if (result.data && result.data.errors) {
          showErrors(result.data.errors);
          tell({ type: "error" });
        } else {
          unavailable();
        }
      })
      .catch(unavailable)
      .then(function () {
        busy = false;
      });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== merchantOrigin) return;
    if (event.data && event.data.type === "tokenize") tokenize();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    tell({ type: "submit" });
  });
  if (window.ResizeObserver) new ResizeObserver(resize).observe(form);
  resize();
})();
