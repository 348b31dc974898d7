// The property form (office/properties/property_form.html): suggest contacts
// as staff type in a contact field, from office:contact-choices, and add rows
// for more contacts. Without this file the form still works: a name, an email
// or an external ID that only one contact has is enough, and blank rows are there.
(function () {
  "use strict";
  var form = document.querySelector("form.property-form");
  if (!form) return;
  var choicesUrl = form.getAttribute("data-contact-choices");
  var list = document.getElementById("contact-choices");
  var timer = null;
  var asked = "";

  function suggest(text) {
    // A suggestion already chosen ends in the contact's number: nothing to ask.
    if (text.length < 2 || text === asked || /#\d+\s*$/.test(text)) return;
    asked = text;
    fetch(choicesUrl + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : { choices: [] }; })
      .then(function (data) {
        if (text !== asked) return; // an answer to an older question
        var options = data.choices.map(function (label) {
          var option = document.createElement("option");
          option.value = label;
          return option;
        });
        list.replaceChildren.apply(list, options);
      })
      .catch(function () { /* no suggestions: typing a name still works */ });
  }

  if (choicesUrl && list) {
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.matches || !input.matches("input[list='contact-choices']")) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { suggest(input.value.trim()); }, 200);
    });
  }

  var add = form.querySelector("[data-add-role]");
  var template = form.querySelector("template[data-role-row-template]");
  var rows = form.querySelector("[data-role-rows]");
  var total = form.querySelector("input[name='roles-TOTAL_FORMS']");
  if (add && template && rows && total) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = Number(total.value);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild.querySelector("input[type='text']");
      if (added) added.focus();
    });
  }
})();
