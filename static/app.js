// Progressive enhancement only: every page works without it.
(function () {
  "use strict";

  // Where the page asks for a suggestion (a fresh signup form, an invitation whose zone
  // was the inviter's guess), preselect the browser's own time zone.
  function preselectTimezone() {
    var select = document.getElementById("timezone");
    if (!select || !select.hasAttribute("data-suggest-zone") || select.dataset.touched) return;
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === zone) { select.selectedIndex = i; break; }
      }
    } catch (e) { /* an old browser without Intl: the default stays */ }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", preselectTimezone);
  } else {
    preselectTimezone();
  }
})();

// The partner's fields show only when the person chooses to invite them (without script
// they are always there, and the server checks the choice against them).
(function () {
  "use strict";
  function wire() {
    var together = document.getElementById("taking_part-together");
    var alone = document.getElementById("taking_part-alone");
    var fields = document.getElementById("partner-fields");
    if (!together || !alone || !fields) return;
    function sync() { fields.hidden = !together.checked; }
    together.addEventListener("change", sync);
    alone.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();

// Links to the public help page carry the browser's time zone, so that page can put the
// person's own region's numbers first.
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    var links = document.querySelectorAll('a[href="/help"]');
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute("href", "/help?tz=" + encodeURIComponent(zone));
    }
  } catch (e) { /* no Intl: the page lists every region */ }
})();

// After a failed submit, focus moves to the first field that needs attention, so a
// keyboard or screen reader user starts where the fix is (the summary above lists all).
(function () {
  "use strict";
  function focusFirstProblem() {
    var form = document.querySelector("form[data-submitted]");
    if (!form) return;
    var first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstProblem);
  else focusFirstProblem();
})();
