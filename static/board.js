// The coordinator's board: drag a visit to another trainer-day (or a
// request from the left-out list onto one) and the move is posted as the
// edit panel's form would post it; the run form says "planning…" while
// the server plans. Without this script every action is a plain form.
(function () {
  "use strict";
  var grid = document.querySelector("table.board-grid[data-edit]");
  document.querySelectorAll("form[data-busy]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var s = f.querySelector(".busy");
      if (s) { s.textContent = f.getAttribute("data-busy"); }
      f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      f.setAttribute("aria-busy", "true");
    });
  });
  if (!grid || typeof Sortable === "undefined") { return; }
  function post(fields) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = grid.getAttribute("data-edit");
    fields.csrf_token = grid.getAttribute("data-csrf");
    fields.version = grid.getAttribute("data-version");
    Object.keys(fields).forEach(function (k) {
      var i = document.createElement("input");
      i.type = "hidden"; i.name = k; i.value = fields[k];
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }
  var lists = document.querySelectorAll("ul.visits");
  lists.forEach(function (ul) {
    var leftOut = ul.classList.contains("left-out");
    Sortable.create(ul, {
      group: { name: "board", put: !leftOut },
      sort: false,
      animation: 120,
      // Pointer events rather than the browser's native drag and drop:
      // the same on every browser, touch screens included.
      forceFallback: true,
      fallbackTolerance: 4,
      filter: ".off-note",
      onAdd: function (e) {
        var to = e.to, item = e.item, from = e.from;
        document.body.classList.add("board-busy");
        post({
          op: from.classList.contains("left-out") ? "assign" : "move",
          request_id: item.getAttribute("data-request"),
          trainer_id: to.getAttribute("data-trainer"),
          date: to.getAttribute("data-date")
        });
      }
    });
  });
})();
