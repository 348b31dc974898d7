/*
 * Stripe's Payment Element inside a Trellis form (card_entry/stripe.html),
 * Stripe's bank account dialog (card_entry/stripe_bank.html), and Stripe's
 * prompt for a payment the customer's bank wants confirmed
 * (card_entry/stripe_action.html). The card, or the routing and account
 * numbers, are typed into Stripe's own frames and never reach Trellis: the
 * form posts only the SetupIntent's id.
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
          submitAgain(form, submitter);
        });
    });
  }

  function submitAgain(form, submitter) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(submitter);
    } else {
      form.submit();
    }
  }

  function waitsForDeposits(setupIntent) {
    return (
      setupIntent.status === "requires_action" &&
      !!setupIntent.next_action &&
      setupIntent.next_action.type === "verify_with_microdeposits"
    );
  }

  function mountBankEntry(container) {
    var form = container.closest("form");
    var tokenField = container.dataset.tokenField || "bank_token";
    var tokenInput = container.querySelector('input[name="' + tokenField + '"]');
    if (!form || !tokenInput || typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(container.dataset.publishableKey, {
      locale: container.dataset.language || "auto",
    });
    var clientSecret = container.dataset.clientSecret;

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
      var holder = form.querySelector('input[name="holder_name"]');
      var billing = { name: (holder && holder.value.trim()) || container.dataset.name || "" };
      if (container.dataset.email) billing.email = container.dataset.email;
      stripe
        .collectBankAccountForSetup({
          clientSecret: clientSecret,
          params: {
            payment_method_type: "us_bank_account",
            payment_method_data: { billing_details: billing },
          },
        })
        .then(function (collected) {
          if (collected.error) return collected;
          // The customer closed Stripe's dialog without an account: nothing to confirm.
          if (collected.setupIntent.status === "requires_payment_method") return null;
          return stripe.confirmUsBankAccountSetup(clientSecret);
        })
        .then(function (result) {
          busy = false;
          if (!result) return;
          if (result.error) {
            showError(container, result.error.message || "");
            return;
          }
          var setupIntent = result.setupIntent;
          if (setupIntent.status !== "succeeded" && !waitsForDeposits(setupIntent)) return;
          tokenInput.value = setupIntent.id;
          submitAgain(form, submitter);
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
  document.querySelectorAll("[data-stripe-bank-entry]").forEach(mountBankEntry);
  document.querySelectorAll("[data-stripe-action]").forEach(runAction);
})();
