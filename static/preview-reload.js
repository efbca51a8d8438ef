// Development only: the served preview reloads itself when the program's files change.
(function () {
  "use strict";
  var me = document.currentScript;
  var url = me.getAttribute("data-url"), seen = me.getAttribute("data-version");
  setInterval(function () {
    fetch(url, {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.version !== seen) { location.reload(); } })
      .catch(function () {});
  }, 1000);
})();
