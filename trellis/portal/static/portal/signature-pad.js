/* The signature pad of the proposal approval form.
 *
 * Draws with the mouse, a finger or a pen (pointer events) on a <canvas>, and
 * keeps a PNG data URL of the drawing in the form's hidden "signature" field.
 * Without JavaScript the pad stays hidden and the typed full name signs alone.
 * No framework, no CDN.
 */
(function () {
  "use strict";

  // The PNG sent is at most this wide: a signature needs no more, and the
  // server refuses anything much over 200 KB.
  var EXPORT_MAX_WIDTH = 800;

  function setUp(pad) {
    var form = pad.closest("form");
    var field = form && form.querySelector("[data-signature]");
    var canvas = pad.querySelector("canvas");
    var context = canvas && canvas.getContext && canvas.getContext("2d");
    if (!field || !context) {
      return; // no canvas support: the typed name is the signature
    }
    var drawn = false;
    var last = null;

    pad.hidden = false;
    // A sharp line on high-density screens: the bitmap follows the device pixels.
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.round(canvas.getBoundingClientRect().width * ratio) || canvas.width;
    canvas.height = Math.round(canvas.getBoundingClientRect().height * ratio) || canvas.height;

    function pen() {
      context.lineWidth = 2.5 * ratio;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#1d2320";
    }
    pen();

    function point(event) {
      // The canvas may be shown smaller or larger than its bitmap (a phone
      // turned sideways): map the pointer into bitmap coordinates.
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    function line(from, to) {
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }

    function save() {
      if (!drawn) {
        field.value = "";
        return;
      }
      var width = Math.min(canvas.width, EXPORT_MAX_WIDTH);
      var height = Math.round((canvas.height * width) / canvas.width);
      var out = document.createElement("canvas");
      out.width = width;
      out.height = height;
      out.getContext("2d").drawImage(canvas, 0, 0, width, height);
      field.value = out.toDataURL("image/png");
    }

    function clear() {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      last = null;
      save();
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) {
        return;
      }
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      line(last, { x: last.x + 0.1, y: last.y + 0.1 }); // a dot for a tap
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) {
        return;
      }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) {
        events = [event];
      }
      events.forEach(function (each) {
        var next = point(each);
        line(last, next);
        last = next;
      });
    });
    function end() {
      if (last) {
        last = null;
        save();
      }
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    pad.querySelector("[data-clear]").addEventListener("click", clear);

    // The page came back with an error: show the signature that was sent.
    if (field.value.indexOf("data:image/png;base64,") === 0) {
      var image = new Image();
      image.onload = function () {
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        drawn = true;
      };
      image.src = field.value;
    }
  }

  document.querySelectorAll("[data-signature-pad]").forEach(setUp);
})();
