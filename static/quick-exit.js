// "Leave this page": one tap, or the Escape key, swaps this page for an everyday site.
// location.replace takes the page out of the back button's history; the address is
// blanked first, so even a browser that keeps the entry keeps no link token.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("href");
  function leave(event) {
    if (event) event.preventDefault();
    try { history.replaceState(null, "", "/"); } catch (e) { /* nothing to blank */ }
    document.body.style.visibility = "hidden";
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") leave(event);
  });
})();
