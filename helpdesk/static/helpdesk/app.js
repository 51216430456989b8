// What the pages used to say in inline handlers (onchange, onclick), here so that the
// Content-Security-Policy can refuse every inline script: elements ask for it with data attributes.
(function () {
  // <select data-autosubmit>: choosing an option sends its form (the language menu).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });
  // <input type="checkbox" data-select-all="FORM">: ticks or clears every checkbox of that form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box.matches && box.matches("[data-select-all]"))) return;
    var form = box.getAttribute("data-select-all");
    document.querySelectorAll('input[type="checkbox"][form="' + form + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });
  // A row's checkbox clicked with Shift ticks (or clears) every row between it and the one clicked before.
  var lastBox = null;
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!(box.matches && box.matches('input[type="checkbox"][form]')) || box.matches("[data-select-all]")) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][form="' + box.getAttribute("form") + '"]'));
    if (event.shiftKey && lastBox && lastBox !== box && boxes.indexOf(lastBox) >= 0) {
      var from = boxes.indexOf(lastBox), to = boxes.indexOf(box);
      boxes.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (other) { other.checked = box.checked; });
    }
    lastBox = box;
  });
  // <button data-history-back>: back to the page the reader came from.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-history-back]");
    if (button) {
      event.preventDefault();
      history.back();
    }
  });
})();
