// Many at once in the grid: Ctrl/Cmd-click or Space selects a card, Shift-click a run of cards;
// "Pick N selected" posts them all in one request (the bulk-pick form, which the server answers
// with the tray and the cards' Pick toggles). Escape or a new page of results clears it.
import { announce } from "./announce.js";
import { CARD, gridCards } from "./dom.js";
import { dialogOpen } from "./dialogs.js";

const selected = new Set(); // asset ids, in the order chosen
let anchor = null; // the last card clicked: Shift-click selects from it

function render() {
  const form = document.getElementById("bulk-pick");
  gridCards().forEach((card) => {
    card.classList.toggle("is-selected", selected.has(card.dataset.assetId));
  });
  if (!form) return;
  form.hidden = selected.size === 0;
  form.querySelectorAll("[data-selected-count]").forEach((n) => (n.textContent = selected.size));
  const ids = form.querySelector("[data-bulk-ids]");
  ids.replaceChildren(
    ...Array.from(selected, (id) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "id";
      input.value = id;
      return input;
    }),
  );
}

function say() {
  const text = selected.size ? `${selected.size} selected. Pick them all from the bar.` : "";
  announce(text || "Selection cleared.");
}

function toggle(card) {
  const id = card.dataset.assetId;
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  anchor = id;
}

function selectRun(card) {
  const cards = gridCards();
  const from = cards.findIndex((each) => each.dataset.assetId === anchor);
  const to = cards.indexOf(card);
  if (from < 0) {
    toggle(card);
    return;
  }
  const [start, end] = from < to ? [from, to] : [to, from];
  cards.slice(start, end + 1).forEach((each) => selected.add(each.dataset.assetId));
}

export function clearSelection({ quiet = false } = {}) {
  if (!selected.size) return;
  selected.clear();
  anchor = null;
  render();
  if (!quiet) say();
}

// Capture: before htmx opens the preview for the card's link.
document.addEventListener(
  "click",
  (event) => {
    const multi = event.ctrlKey || event.metaKey || event.shiftKey;
    const card = multi && event.target.closest && event.target.closest(CARD);
    if (!card || event.target.closest(".pick-toggle")) return;
    event.preventDefault();
    event.stopPropagation();
    if (event.shiftKey) selectRun(card);
    else toggle(card);
    render();
    say();
  },
  true,
);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || dialogOpen()) return;
  if (event.key === " " && event.target.matches && event.target.matches(".card-link")) {
    event.preventDefault(); // a link does nothing on Space; the page would scroll
    toggle(event.target.closest(CARD));
    render();
    say();
  } else if (event.key === "Escape" && selected.size) {
    clearSelection();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-select-clear]")) clearSelection();
});

// A new page of results: the selection was of the cards that are gone.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.id === "results") clearSelection({ quiet: true });
});

// Picked: the bar's work is done.
document.addEventListener("htmx:afterRequest", (event) => {
  // (Not form.id: the form's inputs named "id" shadow it.)
  const bar = document.getElementById("bulk-pick");
  const config = event.detail.requestConfig;
  const from = config && config.elt;
  if (bar && from && bar.contains(from) && event.detail.successful) clearSelection({ quiet: true });
});

// --- Many at once on the board: tick picks, then move or remove them in one request ---
function syncTrayBulk() {
  const form = document.getElementById("tray-bulk");
  if (!form) return;
  const ticked = document.querySelectorAll('#tray .tray-select input[form="tray-bulk"]:checked');
  form.classList.toggle("has-selection", ticked.length > 0);
  const count = form.querySelector("[data-tray-bulk-count]");
  if (count) count.textContent = `${ticked.length} selected`;
}

document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches('.tray-select input[form="tray-bulk"]')) {
    syncTrayBulk();
  }
});

// Ticks outlive a tray swap made by something else (a Pick on a card, a note, a drag); the
// bulk action's own answer starts afresh.
let ticked = new Set();

function trayBoxes() {
  return document.querySelectorAll('#tray .tray-select input[form="tray-bulk"]');
}

document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches('.tray-select input[form="tray-bulk"]')) {
    ticked = new Set(Array.from(trayBoxes(), (box) => box.checked && box.value).filter(Boolean));
  }
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const bulk = document.getElementById("tray-bulk");
  if (bulk && bulk.contains(event.detail.elt)) ticked = new Set();
});

document.addEventListener("htmx:load", (event) => {
  const elt = event.detail.elt;
  if (!ticked.size || !(elt.id === "tray" || (elt.querySelector && elt.querySelector("#tray")))) {
    return;
  }
  trayBoxes().forEach((box) => {
    box.checked = ticked.has(box.value);
  });
  syncTrayBulk();
});
