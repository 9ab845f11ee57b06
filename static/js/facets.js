// The /claims/ page's facet counts (and its number of claims) still being counted when the page
// was made: asked for again
// from /claims/facets/ (a read of the cache, never a count) until they are in, then put in place
// of the block, keeping any box the reader ticked meanwhile. Without JavaScript the block links
// to a reload.
(function () {
  "use strict";
  var block = document.querySelector("[data-fill-in]");
  if (!block || !window.fetch) {
    return;
  }
  var url = block.getAttribute("data-fill-in");
  var asked = 0;

  function choices(element) {
    var chosen = {};
    element.querySelectorAll("input[type=checkbox], select").forEach(function (field) {
      var key = field.name + "=" + (field.type === "checkbox" ? field.value : "");
      chosen[key] = field.type === "checkbox" ? field.checked : field.value;
    });
    return chosen;
  }

  function fillIn(html) {
    var chosen = choices(block);
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var counted = template.content.firstElementChild;
    counted.querySelectorAll("input[type=checkbox], select").forEach(function (field) {
      var key = field.name + "=" + (field.type === "checkbox" ? field.value : "");
      if (key in chosen) {
        if (field.type === "checkbox") {
          field.checked = chosen[key];
        } else {
          field.value = chosen[key];
        }
      }
    });
    block.replaceWith(counted);
  }

  function ask() {
    asked += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { complete: false };
      })
      .then(function (answer) {
        if (answer.complete) {
          fillIn(answer.html);
          var count = document.querySelector("[data-claim-count]");
          if (count && answer.count) {
            count.textContent = answer.count;
          }
        } else if (asked < 60) {
          window.setTimeout(ask, Math.min(250 * asked, 2000));
        }
      })
      .catch(function () {
        if (asked < 60) {
          window.setTimeout(ask, 2000);
        }
      });
  }

  window.setTimeout(ask, 250);
})();
