// Starts Swagger UI (served from this app: the swagger-ui-py package's assets) on /openapi.json.
// A file, not an inline script, so a Content-Security-Policy of script-src 'self' lets it run.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.spec,
    dom_id: "#swagger-ui",
    deepLinking: false,  // the page's own anchors (#problem-…) name the problem types
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
