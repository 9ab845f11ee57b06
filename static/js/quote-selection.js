/* Curators only: turn words selected in the article text into a quote, saved through the API.
 *
 * The page shows the text in paragraphs with <br>s and quote marks, so the DOM's characters are
 * not the stored text's: every piece of text sits in a <span data-offset> giving where it starts
 * in Article.text (in code points, as Python counts), and the text itself comes from the stored
 * copy in the page's JSON block. The server checks the selection again before saving.
 */
(function () {
  "use strict";

  var CONTEXT = 32;
  var article = document.querySelector(".article-text");
  var stored = document.getElementById("article-stored-text");
  var button = document.getElementById("quote-selection-button");
  var panel = document.getElementById("quote-panel");
  var form = document.getElementById("quote-selection-form");
  if (!article || !stored || !button || !panel || !form) {
    return;
  }
  var characters = Array.from(JSON.parse(stored.textContent));
  var title = document.getElementById("quote-panel-title");
  var status = document.getElementById("qs-status");
  var results = document.getElementById("qs-results");
  var search = document.getElementById("qs-search");
  var current = null;

  function codePointLength(text) {
    return Array.from(text).length;
  }

  /* Text nodes and <br>s of the article in order, each with its start in the stored text. */
  function segments() {
    var list = [];
    article.querySelectorAll("span[data-offset]").forEach(function (span) {
      var offset = parseInt(span.getAttribute("data-offset"), 10);
      var walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      var node = walker.nextNode();
      while (node) {
        var length = node.nodeType === Node.TEXT_NODE ? codePointLength(node.data) : node.nodeName === "BR" ? 1 : 0;
        if (length) {
          list.push({ node: node, start: offset, length: length });
          offset += length;
        }
        node = walker.nextNode();
      }
    });
    return list;
  }

  /* The stored-text offset of a DOM boundary point: inside a segment, or the next segment's start. */
  function offsetOf(container, offset, list) {
    var i;
    for (i = 0; i < list.length; i += 1) {
      if (list[i].node === container && container.nodeType === Node.TEXT_NODE) {
        return list[i].start + codePointLength(container.data.slice(0, offset));
      }
    }
    var point = document.createRange();
    point.setStart(container, offset);
    for (i = 0; i < list.length; i += 1) {
      if (point.comparePoint(list[i].node, 0) >= 0) {
        return list[i].start;
      }
    }
    var last = list[list.length - 1];
    return last ? last.start + last.length : 0;
  }

  /* {text, start, end, prefix, suffix} of the selection in the article, or null. */
  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    if (!article.contains(range.startContainer) || !article.contains(range.endContainer)) {
      return null;
    }
    var list = segments();
    var start = offsetOf(range.startContainer, range.startOffset, list);
    var end = offsetOf(range.endContainer, range.endOffset, list);
    while (start < end && /\s/.test(characters[start])) {
      start += 1;
    }
    while (end > start && /\s/.test(characters[end - 1])) {
      end -= 1;
    }
    if (start >= end) {
      return null;
    }
    return {
      text: characters.slice(start, end).join(""),
      start: start,
      end: end,
      prefix: characters.slice(Math.max(0, start - CONTEXT), start).join(""),
      suffix: characters.slice(end, end + CONTEXT).join(""),
    };
  }

  function shortened(text, length) {
    return text.length <= length ? text : text.slice(0, length - 1) + "…";
  }

  document.addEventListener("selectionchange", function () {
    var selected = readSelection();
    if (!selected || !panel.hidden) {
      return; // An empty selection keeps the last one: clicking the button must not lose it.
    }
    current = selected;
    button.textContent = "Quote selection: “" + shortened(selected.text, 40) + "”";
    button.hidden = false;
  });

  function showStatus(lines, isError) {
    status.textContent = "";
    status.className = "qs-status" + (isError ? " qs-error" : "");
    lines.forEach(function (line) {
      var paragraph = document.createElement("p");
      paragraph.textContent = line;
      status.appendChild(paragraph);
    });
  }

  function openPanel() {
    if (!current) {
      return;
    }
    document.getElementById("qs-text").textContent = current.text;
    document.getElementById("qs-range").textContent = current.start + "–" + current.end;
    showStatus([], false);
    panel.hidden = false;
    button.hidden = true;
    title.focus();
  }

  function closePanel() {
    panel.hidden = true;
    button.hidden = false;
    button.focus();
  }

  function choice() {
    var checked = form.querySelector("input[name=claim_choice]:checked");
    return checked ? checked.value : "existing";
  }

  function showChoice() {
    var isNew = choice() === "new";
    document.getElementById("qs-existing").hidden = isNew;
    var fields = document.getElementById("qs-new");
    if (fields) {
      fields.hidden = !isNew;
    }
  }

  function searchClaims() {
    var words = search.value.trim();
    if (!words) {
      return;
    }
    results.textContent = "Searching…";
    fetch(form.getAttribute("data-search") + "?search=" + encodeURIComponent(words), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        results.textContent = "";
        var claims = (answer.ok && answer.body.results) || [];
        if (!claims.length) {
          results.textContent = answer.ok ? "No claim matches." : "The search failed: " + JSON.stringify(answer.body);
          return;
        }
        claims.slice(0, 20).forEach(function (claim) {
          var id = (claim.url.match(/\/claims\/(\d+)\/?$/) || [])[1];
          var label = document.createElement("label");
          var input = document.createElement("input");
          input.type = "radio";
          input.name = "claim";
          input.value = id;
          label.appendChild(input);
          label.appendChild(
            document.createTextNode(
              " [" + id + "] " + claim.summary + " — " + claim.speaker_name + ", " + claim.said
            )
          );
          results.appendChild(label);
        });
      })
      .catch(function () {
        results.textContent = "The search failed: check the connection.";
      });
  }

  function errorLines(body, prefix) {
    var lines = [];
    Object.keys(body).forEach(function (field) {
      var value = body[field];
      var name = prefix ? prefix + "." + field : field;
      if (Array.isArray(value)) {
        value.forEach(function (message) {
          lines.push(name + ": " + message);
        });
      } else if (value && typeof value === "object") {
        lines = lines.concat(errorLines(value, name));
      } else {
        lines.push(name === "detail" ? String(value) : name + ": " + value);
      }
    });
    return lines;
  }

  function save(event) {
    event.preventDefault();
    if (!current) {
      return;
    }
    var body = {
      article: form.getAttribute("data-article"),
      text: current.text,
      start: current.start,
      end: current.end,
      prefix: current.prefix,
      suffix: current.suffix,
      mode: form.elements.mode.value,
      attribution: form.elements.attribution.value,
    };
    if (choice() === "new") {
      body.new_claim = {
        speaker: form.elements.speaker.value,
        summary: form.elements.summary.value,
        claim_type: form.elements.claim_type.value,
        said_on: form.elements.said_on.value,
        said_on_precision: form.elements.said_on_precision.value,
      };
    } else {
      var picked = form.querySelector("input[name=claim]:checked");
      if (!picked) {
        showStatus(["claim: search for a claim and choose one, or start a new claim."], true);
        search.focus();
        return;
      }
      body.claim = parseInt(picked.value, 10);
    }
    showStatus(["Saving…"], false);
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.status === 201) {
            showStatus(["Saved. Reloading the page to show it marked…"], false);
            // The reloaded page opens at the new mark; the hash alone would not reload it.
            window.history.replaceState(null, "", window.location.pathname + "#" + answer.anchor_id);
            window.location.reload();
            return;
          }
          showStatus(["Not saved (" + response.status + "):"].concat(errorLines(answer, "")), true);
        });
      })
      .catch(function () {
        showStatus(["Not saved: the server did not answer."], true);
      });
  }

  button.addEventListener("click", openPanel);
  document.getElementById("qs-cancel").addEventListener("click", closePanel);
  document.getElementById("qs-search-button").addEventListener("click", searchClaims);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      searchClaims();
    }
  });
  form.querySelectorAll("input[name=claim_choice]").forEach(function (radio) {
    radio.addEventListener("change", showChoice);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closePanel();
    }
  });
  form.addEventListener("submit", save);
})();
