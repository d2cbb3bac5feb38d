// Progressive enhancement only: every page works without it.
// A form's submit button is disabled once it is sent, so a double click posts once.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset.submitted === "yes") { event.preventDefault(); return; }
  form.dataset.submitted = "yes";
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
    button.classList.add("sending");
  });
});
// Charts: each <canvas data-chart="id"> draws the JSON of <script type="application/json" id="id">.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (source) { new Chart(canvas, JSON.parse(source.textContent)); }
  });
});
