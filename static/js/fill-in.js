// Parts of a page still being counted when it was made (an element with data-fill-in: the
// /claims/ page's facet block and total, the timeline's drawing): asked for again from the URL
// the attribute names (a read of the cache, never a count) until they are in, then put in place.
// Without JavaScript each part says how to reload.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }

  // The reader's choices in a form part (ticked boxes, selected values), to keep them.
  function choices(element) {
    var chosen = {};
    element.querySelectorAll("input[type=checkbox], select").forEach(function (field) {
      var key = field.name + "=" + (field.type === "checkbox" ? field.value : "");
      chosen[key] = field.type === "checkbox" ? field.checked : field.value;
    });
    return chosen;
  }

  function keepChoices(chosen, element) {
    element.querySelectorAll("input[type=checkbox], select").forEach(function (field) {
      var key = field.name + "=" + (field.type === "checkbox" ? field.value : "");
      if (key in chosen) {
        if (field.type === "checkbox") {
          field.checked = chosen[key];
        } else {
          field.value = chosen[key];
        }
      }
    });
  }

  // The answer's HTML is the whole part (the facet block) or what goes inside it (the drawing).
  function place(part, answer) {
    if (part.hasAttribute("data-fill-in-inside")) {
      part.innerHTML = answer.html;
      part.removeAttribute("aria-busy");
      part.removeAttribute("data-fill-in");
      return;
    }
    var chosen = choices(part);
    var template = document.createElement("template");
    template.innerHTML = answer.html.trim();
    var counted = template.content.firstElementChild;
    keepChoices(chosen, counted);
    part.replaceWith(counted);
    var count = document.querySelector("[data-claim-count]");
    if (count && answer.count) {
      count.textContent = answer.count;
    }
  }

  function fillIn(part) {
    var url = part.getAttribute("data-fill-in");
    var asked = 0;

    function again(delay) {
      if (asked < 60) {
        window.setTimeout(ask, delay);
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
            place(part, answer);
          } else {
            again(Math.min(250 * asked, 2000));
          }
        })
        .catch(function () {
          again(2000);
        });
    }

    window.setTimeout(ask, 250);
  }

  document.querySelectorAll("[data-fill-in]").forEach(fillIn);
})();
