// The preview dialog: card links load /assets/<id>/ into #preview-body with htmx; it opens
// after the swap, ←/→ (and its buttons) step through the grid, and closing hands focus back to
// the card.
import { cardLinkFor, focusQuietly, gridCards } from "./dom.js";
import { openDialog } from "./dialogs.js";

const previewDialog = () => document.getElementById("preview");
let shownId = null; // the asset the dialog shows (or is loading)

function neighbour(delta) {
  const cards = gridCards();
  const index = cards.findIndex((card) => card.dataset.assetId === shownId);
  return index < 0 ? null : cards[index + delta] || null;
}

function updateStepButtons(dialog) {
  dialog.querySelectorAll("[data-preview-step]").forEach((button) => {
    button.disabled = !neighbour(Number(button.dataset.previewStep));
  });
}

function step(delta) {
  const card = neighbour(delta);
  const link = card && card.querySelector(".card-link");
  if (!link) return;
  htmx.ajax("GET", link.getAttribute("href"), {
    source: link,
    target: "#preview-body",
    swap: "innerHTML",
  });
}

const loadsPreview = (event) => event.detail.target && event.detail.target.id === "preview-body";

document.addEventListener("htmx:beforeRequest", (event) => {
  const dialog = previewDialog();
  if (!dialog || !loadsPreview(event)) return;
  const card = event.detail.elt.closest && event.detail.elt.closest(".card");
  if (card) shownId = card.dataset.assetId;
  dialog.classList.add("is-loading");
});

document.addEventListener("htmx:afterRequest", (event) => {
  const dialog = previewDialog();
  if (dialog && loadsPreview(event)) dialog.classList.remove("is-loading");
});

document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = previewDialog();
  if (!dialog || !dialog.contains(event.target)) return; // #preview-body, or a retried .preview
  updateStepButtons(dialog);
  if (!dialog.open) {
    openDialog(dialog);
  } else if (!dialog.contains(document.activeElement) || document.activeElement === dialog) {
    // Stepping replaced what had focus (a player, the copy button): land on the new title.
    focusQuietly(dialog.querySelector("#preview-title"));
  }
});

document.addEventListener("click", (event) => {
  const dialog = previewDialog();
  const stepButton = event.target.closest && event.target.closest("[data-preview-step]");
  if (dialog && stepButton && dialog.contains(stepButton)) {
    step(Number(stepButton.dataset.previewStep));
  }
});

// Capture phase, so page-level shortcuts never see keys meant for the dialog.
window.addEventListener(
  "keydown",
  (event) => {
    const dialog = previewDialog();
    if (!dialog || !dialog.open || event.defaultPrevented) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const inControl =
      event.target.closest && event.target.closest("video, audio, input, select, textarea");
    if (inControl) return; // ←/→ seek a player or move a caret there
    event.preventDefault();
    event.stopPropagation();
    step(event.key === "ArrowLeft" ? -1 : 1);
  },
  true,
);

document.addEventListener(
  "close",
  (event) => {
    const dialog = previewDialog();
    if (event.target !== dialog) return;
    dialog.querySelector("#preview-body").replaceChildren(); // stops any playback
    const link = cardLinkFor(shownId);
    if (link) link.focus();
    shownId = null;
  },
  true, // "close" does not bubble
);
