(function () {
  "use strict";
  var list = document.getElementById("windows");
  var cards = Array.prototype.slice.call(list.querySelectorAll("li.win"));
  var query = document.getElementById("q");
  var sort = document.getElementById("sort");
  var onlyTruncated = document.getElementById("only-truncated");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none");
  var texts = cards.map(function (card) {
    var parts = card.querySelectorAll(".caption, .fields dd");
    var text = "";
    for (var i = 0; i < parts.length; i++) { text += " " + parts[i].textContent; }
    return text.toLowerCase();
  });
  function num(card, key) { return Number(card.getAttribute("data-" + key)); }
  function truncated(card) { return card.getAttribute("data-truncated") === "true"; }
  var orders = {
    "video": function (a, b) { return num(a, "order") - num(b, "order"); },
    "length-desc": function (a, b) { return num(b, "length") - num(a, "length") || num(a, "order") - num(b, "order"); },
    "length-asc": function (a, b) { return num(a, "length") - num(b, "length") || num(a, "order") - num(b, "order"); },
    "truncated": function (a, b) { return (truncated(b) - truncated(a)) || num(a, "order") - num(b, "order"); }
  };
  function filter() {
    var words = query.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var count = 0;
    cards.forEach(function (card, i) {
      var match = words.every(function (w) { return texts[i].indexOf(w) >= 0; })
          && (!onlyTruncated.checked || truncated(card));
      card.hidden = !match;
      if (match) { count++; }
    });
    shown.textContent = count + " of " + cards.length + " windows shown";
    none.hidden = count > 0;
  }
  function reorder() {
    var sorted = cards.slice().sort(orders[sort.value] || orders.video);
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (card) { fragment.appendChild(card); });
    list.appendChild(fragment);
  }
  query.addEventListener("input", filter);
  onlyTruncated.addEventListener("change", filter);
  sort.addEventListener("change", reorder);
  document.addEventListener("keydown", function (e) {
    var typing = e.target && (e.target.tagName === "INPUT" || e.target.tagName === "SELECT");
    if (e.key === "/" && !typing) { e.preventDefault(); query.focus(); query.select(); }
    if (e.key === "Escape" && e.target === query) { query.value = ""; filter(); }
  });
  filter();
}());
