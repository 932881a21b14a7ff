// Drag and drop on the pipeline board. Without JavaScript the board still shows every column
// and each opportunity page has a "Move to" form.
document.addEventListener("DOMContentLoaded", function () {
  var board = document.getElementById("board");
  if (!board || !window.Sortable) { return; }
  var csrf = document.body.dataset.csrf || "";
  var status = document.getElementById("board-status");

  function say(text, isError) {
    status.textContent = text;
    status.className = "board-status" + (isError ? " error" : " ok");
  }

  // Replace every column's totals with the server's current figures.
  function refreshTotals() {
    fetch("/pipeline/totals" + window.location.search, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll(".col-totals").forEach(function (fresh) {
          var old = document.getElementById(fresh.id);
          if (old) { old.innerHTML = fresh.innerHTML; }
        });
      });
  }

  function move(evt) {
    var card = evt.item;
    var target = evt.to;
    if (evt.from === target) { return; }
    var revert = function () {
      evt.from.insertBefore(card, evt.from.children[evt.oldIndex] || null);
    };
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    body.set("stage_id", target.dataset.stage);
    body.set("version", card.dataset.version);
    if (target.dataset.kind === "lost") {
      var reason = window.prompt("Why was this opportunity lost?");
      if (!reason) { revert(); return; }
      body.set("lost_reason", reason);
    }
    fetch("/opportunities/" + card.dataset.id + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf },
      body: body
    }).then(function (r) {
      return r.json().then(function (json) { return { ok: r.ok, json: json }; });
    }).then(function (result) {
      if (result.ok) {
        card.dataset.version = result.json.opportunity.version;
        say("Moved to " + target.dataset.name + ".", false);
        refreshTotals();
      } else {
        revert();
        var errors = result.json.errors || [];
        say(errors.length ? errors[0].detail : "The move was refused.", true);
      }
    }).catch(function () {
      revert();
      say("The move did not reach the server; try again.", true);
    });
  }

  board.querySelectorAll("ul.cards").forEach(function (list) {
    window.Sortable.create(list, {
      group: "board",
      draggable: ".card-item",
      // Mouse-event dragging works the same in every browser and in automated tests.
      forceFallback: true,
      animation: 120,
      onEnd: move
    });
  });
});
