// The text module picker of the reply box: "::" and a few letters open a list of matching modules
// (asked from the server as the agent types); Enter or a click puts the module's text in place of
// "::letters" and names the module in the form, so its changes go with the reply. Without
// JavaScript the reply box stays a plain textarea.
(function () {
  "use strict";
  var TRIGGER = /::([^\s:]{0,40})$/;

  function setUp(form) {
    var menu = form.querySelector("[data-macro-picker]");
    var field = form.querySelector("[data-macro-field]");
    var textarea = form.querySelector("textarea[name=body]");
    if (!menu || !field || !textarea) return;
    var chosen = form.querySelector("[data-macro-chosen]");
    var emptyText = form.querySelector("template[data-macro-empty]").innerHTML;
    var items = [], active = 0, start = -1, timer = null, asked = "";

    function close() { menu.classList.remove("show"); menu.innerHTML = ""; items = []; start = -1; }

    function draw() {
      menu.innerHTML = "";
      if (!items.length) {
        var none = document.createElement("span");
        none.className = "dropdown-item-text text-body-secondary small";
        none.textContent = emptyText;
        menu.appendChild(none);
      }
      items.forEach(function (item, index) {
        var option = document.createElement("button");
        option.type = "button";
        option.className = "dropdown-item" + (index === active ? " active" : "");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", index === active ? "true" : "false");
        option.dataset.macroOption = item.id;
        var title = document.createElement("span");
        title.textContent = item.title;
        option.appendChild(title);
        if (item.changes.length) {
          var changes = document.createElement("small");
          changes.className = "d-block text-body-secondary";
          changes.textContent = item.changes.join(" · ");
          option.appendChild(changes);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
        menu.appendChild(option);
      });
      menu.classList.add("show");
    }

    function ask(query) {
      asked = query;
      fetch(menu.dataset.url + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {macros: []}; })
        .then(function (data) {
          if (asked !== query || start < 0) return;
          items = data.macros; active = 0; draw();
        })
        .catch(function () { close(); });
    }

    function choose(index) {
      var item = items[index];
      if (!item || start < 0) return;
      var end = textarea.selectionStart;
      var text = textarea.value;
      textarea.value = text.slice(0, start) + item.text + text.slice(end);
      var caret = start + item.text.length;
      textarea.setSelectionRange(caret, caret);
      field.value = item.id;
      if (chosen) {
        chosen.hidden = false;
        chosen.querySelector("[data-macro-title]").textContent = item.title;
        chosen.querySelector("[data-macro-changes]").textContent = item.changes.length ? "(" + item.changes.join(", ") + ")" : "";
      }
      close();
      textarea.focus();
    }

    textarea.addEventListener("input", function () {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TRIGGER.exec(before);
      if (!match) { close(); return; }
      start = before.length - match[0].length;
      clearTimeout(timer);
      timer = setTimeout(function () { ask(match[1]); }, 120);
    });
    textarea.addEventListener("keydown", function (event) {
      if (!menu.classList.contains("show")) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!items.length) return;
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        draw();
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (!items.length) return;
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
    var clear = form.querySelector("[data-macro-clear]");
    if (clear) clear.addEventListener("click", function () { field.value = ""; chosen.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-macro-picker]")) setUp(form);
    });
  });
})();
