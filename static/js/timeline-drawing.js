// The timeline page's drawing still being counted when the page was made (its bars without the
// rebuttal curves, or nothing yet): asked for again from /timeline/drawing/ (a read of the cache,
// never a count) until it is in, then put in place. Without JavaScript the note links to a reload.
(function () {
  "use strict";
  var drawing = document.querySelector("[data-drawing-fill-in]");
  if (!drawing || !window.fetch) {
    return;
  }
  var url = drawing.getAttribute("data-drawing-fill-in");
  var asked = 0;

  function again() {
    if (asked < 60) {
      window.setTimeout(ask, Math.min(250 * asked, 2000));
    }
  }

  function ask() {
    asked += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { complete: false };
      })
      .then(function (answer) {
        if (answer.complete) {
          drawing.innerHTML = answer.html;
          drawing.removeAttribute("aria-busy");
          drawing.removeAttribute("data-drawing-fill-in");
        } else {
          again();
        }
      })
      .catch(again);
  }

  window.setTimeout(ask, 250);
})();
