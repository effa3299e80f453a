// Argil Asset Browser: the little behaviour htmx does not cover. No inline scripts anywhere (CSP).
"use strict";

document.documentElement.classList.add("js");

// The results region says it is busy while htmx replaces it, for screen readers.
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  if (target && target.id === "results") target.setAttribute("aria-busy", "true");
});

document.addEventListener("htmx:afterSettle", (event) => {
  const results = document.getElementById("results");
  if (!results || event.detail.target !== results) return;
  results.setAttribute("aria-busy", "false");
  // A swap removes the focused link (pager, retry): keep focus in the results, not at the top.
  if (document.activeElement === document.body) {
    const title = document.getElementById("results-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus({ preventScroll: true });
    }
  }
});
