// SLA countdowns: every badge with data-due shows the time left and turns red once it has passed.
(function () {
  // The words of helpdesk/durations.py in the page's language (base.html), English without them.
  var words = {day: ["{n} day", "{n} days"], h: "{n} h", min: "{n} min", s: "{n} s"};
  function unit(pattern, n) { return pattern.replace("{n}", n); }
  // The two largest units that are not zero, as format_duration writes them: "1 day, 16 h".
  function format(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), sec = s % 60, parts;
    if (d) parts = [unit(words.day[d === 1 ? 0 : 1], d), h ? unit(words.h, h) : ""];
    else if (h) parts = [unit(words.h, h), m ? unit(words.min, m) : ""];
    else if (m) parts = [unit(words.min, m), sec ? unit(words.s, sec) : ""];
    else parts = [unit(words.s, sec)];
    return parts.filter(Boolean).join(", ");
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
  document.addEventListener("DOMContentLoaded", function () {
    var given = document.getElementById("duration-words");
    if (given) words = JSON.parse(given.textContent);
    tick();
    setInterval(tick, 1000);
  });
})();
