// Progressive enhancement only: every page works without it.
(function () {
  "use strict";

  // On a fresh signup form, preselect the browser's own time zone.
  function preselectTimezone() {
    var select = document.getElementById("timezone");
    var form = select && select.form;
    if (!form || form.hasAttribute("data-submitted") || select.dataset.touched) return;
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
