// The results region (#results, replaced by filters, pages and retries): busy while htmx
// replaces it; afterwards, what it shows is said once and focus stays in the results.
import { announce } from "./announce.js";
import { focusQuietly } from "./dom.js";
import { reapplySavedPrefs } from "./preferences.js";
import { isPreload } from "./preload.js";

let focusTitleNext = false;

// A page turned from the keyboard ("[" or "]") lands on the results heading.
export function focusResultsAfterSwap() {
  focusTitleNext = true;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  if (isPreload(event)) return; // a preload swaps nothing: the results are not busy
  if (target && target.id === "results") target.setAttribute("aria-busy", "true");
});

document.addEventListener("htmx:afterSettle", (event) => {
  const results = document.getElementById("results");
  // event.target: the new #results (an outerHTML swap fires afterSettle on the new element;
  // event.detail.target is the old one, already detached).
  if (!results || event.target !== results) return;
  results.setAttribute("aria-busy", "false");
  reapplySavedPrefs();
  const summary = results.querySelector("[data-summary]");
  const state = results.querySelector(".state:not([role=alert]) h2"); // alerts speak up
  announce(summary ? summary.textContent : state ? state.textContent : "");
  // A swap removes the focused link (pager, retry): keep focus in the results, not at the top.
  if (focusTitleNext || document.activeElement === document.body) {
    focusTitleNext = false;
    focusQuietly(document.getElementById("results-title"));
  }
});
