/* The total of the proposal approval form, kept up to date as optional items
 * are ticked. Without JavaScript the server computes it instead: an approval
 * whose total differs from the one shown is not recorded, and the page shows
 * the right total to approve again.
 *
 * Amounts are handled in whole cents, never floating point.
 */
(function () {
  "use strict";

  function cents(text) {
    // "126.00", "-10.5": the server writes amounts with a point and no grouping.
    var match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text).trim());
    if (!match) {
      return 0;
    }
    var value = parseInt(match[2], 10) * 100 + parseInt((match[3] || "0").padEnd(2, "0"), 10);
    return match[1] ? -value : value;
  }

  function plain(value) {
    // For the hidden field: "126.00".
    var sign = value < 0 ? "-" : "";
    value = Math.abs(value);
    return sign + Math.floor(value / 100) + "." + String(value % 100).padStart(2, "0");
  }

  function setUp(form) {
    var output = form.querySelector("[data-total]");
    var expected = form.querySelector("[data-expected-total]");
    var boxes = form.querySelectorAll("input[type=checkbox][data-amount]");
    if (!output || !expected || !boxes.length) {
      return;
    }
    var decimal = form.dataset.decimal || ".";
    var thousands = form.dataset.thousands || ",";
    // How the page writes zero ("$0.00", "0,00 CHF"): an amount replaces its digits,
    // so the script writes money exactly as the server does.
    var zero = form.dataset.zero || "0" + decimal + "00";
    var zeroDigits = "0" + decimal + "00";

    function money(value) {
      var whole = String(Math.floor(Math.abs(value) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
      var digits = whole + decimal + String(Math.abs(value) % 100).padStart(2, "0");
      return (value < 0 ? "-" : "") + zero.replace(zeroDigits, digits);
    }

    function update() {
      var total = cents(form.dataset.required);
      boxes.forEach(function (box) {
        if (box.checked) {
          total += cents(box.dataset.amount);
        }
      });
      output.textContent = money(total);
      expected.value = plain(total);
    }

    boxes.forEach(function (box) {
      box.addEventListener("change", update);
    });
    update(); // a page restored from the browser's history may have other boxes ticked
  }

  document.querySelectorAll("[data-proposal-total]").forEach(setUp);
})();
