/*
 * Stripe's Payment Element inside a Trellis form (card_entry/stripe.html), and
 * Stripe's prompt for a payment the customer's bank wants confirmed
 * (card_entry/stripe_action.html). The card is typed into Stripe's own frames
 * and never reaches Trellis: the form posts only the SetupIntent's id.
 */
(function () {
  "use strict";

  function showError(container, message) {
    var region = container.querySelector("[data-stripe-errors]");
    if (!region) return;
    region.textContent = message;
    region.hidden = !message;
  }

  function chosenMethod(form) {
    var checked = form.querySelector('input[name="method"]:checked');
    return checked ? checked.value : "";
  }

  function mountCardEntry(container) {
    var form = container.closest("form");
    var tokenInput = container.querySelector('input[name="card_token"]');
    if (!form || !tokenInput || typeof window.Stripe !== "function") return;
    var language = container.dataset.language || "auto";
    var stripe = window.Stripe(container.dataset.publishableKey, { locale: language });
    var elements = stripe.elements({
      clientSecret: container.dataset.clientSecret,
      locale: language,
    });
    elements.create("payment").mount(container.querySelector("[data-stripe-payment-element]"));

    var busy = false;
    form.addEventListener("submit", function (event) {
      var whenMethod = container.dataset.whenMethod;
      if (whenMethod && chosenMethod(form) !== whenMethod) return;
      if (tokenInput.value) return; // confirmed: this is the submit that posts the token
      event.preventDefault();
      if (busy) return;
      busy = true;
      showError(container, "");
      var submitter = event.submitter || null;
      stripe
        .confirmSetup({ elements: elements, redirect: "if_required" })
        .then(function (result) {
          busy = false;
          if (result.error) {
            showError(container, result.error.message || "");
            return;
          }
          if (!result.setupIntent || result.setupIntent.status !== "succeeded") return;
          tokenInput.value = result.setupIntent.id;
          if (typeof form.requestSubmit === "function") {
            form.requestSubmit(submitter);
          } else {
            form.submit();
          }
        });
    });
  }

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  function runAction(container) {
    if (typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(container.dataset.publishableKey);
    var returnUrl = container.dataset.returnUrl;
    stripe
      .handleNextAction({ clientSecret: container.dataset.clientSecret })
      .then(function (result) {
        // Trellis asks Stripe how the payment ended when the customer is back.
        if (returnUrl && sameOrigin(returnUrl)) {
          window.location.assign(returnUrl);
        } else if (result.error) {
          showError(container, result.error.message || "");
        }
      });
  }

  document.querySelectorAll("[data-stripe-card-entry]").forEach(mountCardEntry);
  document.querySelectorAll("[data-stripe-action]").forEach(runAction);
})();
