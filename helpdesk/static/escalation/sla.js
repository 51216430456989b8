// SLA countdowns: every badge with data-due shows the time left and turns red once it has passed.
(function () {
  function format(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + String(m).padStart(2, "0") + " min";
    return m + " min " + String(sec).padStart(2, "0") + " s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla-countdown[data-due]").forEach(function (badge) {
      var left = Date.parse(badge.dataset.due) - now, out = badge.querySelector(".sla-left");
      out.textContent = left < 0 ? badge.dataset.overdue + " " + format(left) : format(left);
      badge.classList.toggle("text-bg-danger", left < 0);
      badge.classList.toggle("text-bg-warning", left >= 0 && left < 3600 * 1000);
      badge.classList.toggle("text-bg-secondary", left >= 3600 * 1000);
      badge.dataset.state = left < 0 ? "overdue" : "running";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
