/* The sandbox's script on the merchant's page: embeds the sandbox's card
 * field and trades the card for a token when the page's form is submitted.
 *
 * It finds each container rendered by card_entry/sandbox.html
 * ([data-sandbox-card-entry]), puts the field's iframe in it, and hooks the
 * enclosing <form>. On submit (only when the form's checked input[name=method]
 * has the container's data-when-method value, if it has one) it asks the
 * frame {type: "tokenize"}; on {type: "token"} it fills the input named by the
 * container's data-token-field (card_token by default; bank_token for the
 * bank account field) and submits the form; on {type: "error"} it lets the customer correct the
 * card in the frame. Messages are taken only from the frame's window at the
 * sandbox's origin, and sent only to that origin.
 */
(function () {
  "use strict";

  function setUp(container) {
    container.setAttribute("data-ready", "");
    var form = container.closest("form");
    var origin = container.getAttribute("data-origin");
    var whenMethod = container.getAttribute("data-when-method");
    if (!form) return;
    var tokenField = container.getAttribute("data-token-field") || "card_token";
    var tokenInput = form.querySelector('input[name="' + tokenField + '"]');
    var frame = document.createElement("iframe");
    frame.src = container.getAttribute("data-field-url");
    frame.title = container.getAttribute("data-title") || "";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "20rem";
    container.appendChild(frame);
    var waiting = false;
    var submitter = null;

    function wanted() {
      if (!whenMethod) return true;
      var checked = form.querySelector('input[name="method"]:checked');
      return checked !== null && checked.value === whenMethod;
    }

    function done() {
      waiting = false;
      form.removeAttribute("aria-busy");
    }

    form.addEventListener("submit", function (event) {
      if (!wanted()) return;
      event.preventDefault();
      if (waiting) return;
      waiting = true;
      submitter = event.submitter || null;
      form.setAttribute("aria-busy", "true");
      frame.contentWindow.postMessage({ type: "tokenize" }, origin);
    });

    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== origin) return;
      var data = event.data || {};
      if (data.type === "resize" && typeof data.height === "number") {
        frame.style.height = Math.min(Math.max(data.height, 40), 2000) + "px";
      } else if (data.type === "submit") {
        if (form.requestSubmit) form.requestSubmit();
      } else if (data.type === "token" && waiting && typeof data.token === "string") {
        tokenInput.value = data.token;
        // form.submit() sends no button: keep the one that was pressed.
        if (submitter && submitter.name) {
          var pressed = document.createElement("input");
          pressed.type = "hidden";
          pressed.name = submitter.name;
          pressed.value = submitter.value;
          form.appendChild(pressed);
        }
        form.submit();
      } else if (data.type === "error") {
        done();
      }
    });
  }

  var containers = document.querySelectorAll("[data-sandbox-card-entry]:not([data-ready])");
  Array.prototype.forEach.call(containers, setUp);
})();
