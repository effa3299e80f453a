// The board tray: every change posts with htmx and the server answers with the tray (and the
// Pick toggles whose state changed, out of band). Here: the phone sheet's open state across
// those swaps, focus after a tray form, the export dialog, and expired thumbnails.
import { focusQuietly } from "./dom.js";
import { openDialog } from "./dialogs.js";

const root = document.documentElement;

// Phones and narrow windows: the tray is a bottom bar; "Show" opens it into a sheet. The state
// lives on <html>, so it survives the tray being replaced after every change.
function syncTrayToggle() {
  const open = root.classList.contains("tray-open");
  document.querySelectorAll("[data-tray-toggle]").forEach((button) => {
    button.setAttribute("aria-expanded", String(open));
    const label = button.querySelector(".tray-toggle-label");
    if (label) label.textContent = open ? "Hide" : "Show";
  });
}

document.addEventListener("click", (event) => {
  const toggle = event.target.closest && event.target.closest("[data-tray-toggle]");
  if (!toggle) return;
  root.classList.toggle("tray-open");
  syncTrayToggle();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !root.classList.contains("tray-open")) return;
  const tray = document.getElementById("tray");
  if (!tray || !tray.contains(event.target)) return;
  root.classList.remove("tray-open");
  syncTrayToggle();
  const toggle = tray.querySelector("[data-tray-toggle]");
  if (toggle) toggle.focus();
});

// After a tray form: a confirmation or a refused field takes focus; otherwise, if what had
// focus is gone (htmx keeps focus on elements with a stable id), the tray's title.
function afterTraySwap(tray) {
  const target =
    tray.querySelector("[data-autofocus]") || tray.querySelector('[aria-invalid="true"]');
  if (target) {
    target.focus();
  } else if (document.activeElement === document.body) {
    focusQuietly(tray.querySelector("#tray-title"));
  }
}

document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id === "tray") {
    syncTrayToggle();
    // Only when the tray was the request's target (a tray form), not an out-of-band copy of it
    // (after a Pick on a card, focus belongs to that card's toggle).
    const requested = event.detail.target;
    if (requested && requested.id === "tray") afterTraySwap(event.target);
  }
  if (event.target.id === "export-panel") openDialog(document.getElementById("export-dialog"));
});

document.addEventListener(
  "close",
  (event) => {
    if (event.target.id !== "export-dialog") return;
    event.target.querySelector("#export-panel").replaceChildren();
  },
  true, // "close" does not bubble
);

// A thumbnail URL kept on a pick may expire: show the type icon underneath instead.
document.addEventListener(
  "error",
  (event) => {
    const img = event.target;
    if (img.tagName === "IMG" && img.closest(".tray-thumb, .tray-strip-thumb")) img.remove();
  },
  true, // "error" does not bubble
);

syncTrayToggle();
