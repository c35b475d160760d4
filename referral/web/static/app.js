// Progressive enhancement only: every page works without this file.
// 1. Place suggestions while typing (the API's public GET /v1/places?q=) into the input's datalist.
// 2. A print button on the referral sheet.
(function () {
  "use strict";
  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 1 || q === last) { return; }
        last = q;
        fetch(input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q), {
          headers: { "Accept": "application/json", "Accept-Language": document.documentElement.lang }
        }).then(function (r) { return r.ok ? r.json() : { items: [] }; }).then(function (data) {
          list.textContent = "";
          (data.items || []).forEach(function (place) {
            var option = document.createElement("option");
            var lang = document.documentElement.lang;
            option.value = (place.names && place.names[lang]) || place.name;
            list.appendChild(option);
          });
        }).catch(function () { /* suggestions are a convenience; typing still works */ });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), suggest);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
