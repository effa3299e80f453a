// The keyboard: the grid is one Tab stop (roving tabindex) with arrow keys between cards, and
// single-key shortcuts for the browse page (p, /, [, ], ?).
import { announce } from "./announce.js";
import { CARD, gridCards } from "./dom.js";
import { dialogOpen, openDialog } from "./dialogs.js";
import { focusResultsAfterSwap } from "./results.js";

// --- The grid: one Tab stop, arrow keys between cards ---
let activeId = null; // the card that holds the grid's Tab stop

// Only the active card's link and Pick button are in the Tab order; the rest are reached with
// the arrow keys. Run again after every swap (pages, Pick toggles, live status).
function syncRoving() {
  const cards = gridCards();
  if (!cards.length) return;
  const active = cards.find((card) => card.dataset.assetId === activeId) || cards[0];
  activeId = active.dataset.assetId;
  cards.forEach((card) => {
    card.querySelectorAll("a[href], button").forEach((control) => {
      if (card === active) control.removeAttribute("tabindex");
      else control.setAttribute("tabindex", "-1");
    });
  });
}

let syncQueued = false;
document.addEventListener("htmx:load", () => {
  if (syncQueued) return;
  syncQueued = true;
  queueMicrotask(() => {
    syncQueued = false;
    syncRoving();
  });
});

document.addEventListener("focusin", (event) => {
  const card = event.target.closest && event.target.closest(CARD);
  if (card && card.dataset.assetId !== activeId) {
    activeId = card.dataset.assetId;
    syncRoving();
  }
});

// How many cards a row holds, from the layout as rendered (1 in the list).
function rowLength(cards) {
  const top = cards[0].offsetTop;
  const length = cards.findIndex((card) => card.offsetTop !== top);
  return length < 0 ? cards.length : length;
}

function targetIndex(key, index, cards) {
  const last = cards.length - 1;
  const row = rowLength(cards);
  switch (key) {
    case "ArrowLeft":
      return Math.max(index - 1, 0);
    case "ArrowRight":
      return Math.min(index + 1, last);
    case "ArrowUp":
      return index - row >= 0 ? index - row : index;
    case "ArrowDown":
      // A shorter last row: from above its end, Down lands on its last card.
      if (index + row <= last) return index + row;
      return cards[last].offsetTop > cards[index].offsetTop ? last : index;
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return -1;
  }
}

function hasModifier(event) {
  // AltGr is how many keyboards type "[", "]", "/" or "?" (German, French, Polish...), and
  // Windows reports it as Ctrl+Alt too: it is part of the character, not a modifier here.
  if (event.getModifierState && event.getModifierState("AltGraph")) return event.metaKey;
  return event.altKey || event.ctrlKey || event.metaKey;
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || hasModifier(event) || event.shiftKey || dialogOpen()) return;
  const card = event.target.closest && event.target.closest(CARD);
  if (!card) return;
  const cards = gridCards();
  const index = targetIndex(event.key, cards.indexOf(card), cards);
  if (index < 0) return;
  event.preventDefault(); // no page scroll: focus moving scrolls the card into view
  const next = cards[index];
  activeId = next.dataset.assetId;
  syncRoving();
  next.querySelector(".card-link").focus();
});

// --- Single-key shortcuts ---
// Never while typing (a text field, a select, contenteditable), with Ctrl/Alt/Meta held (AltGr
// is no modifier: it types the key), or while a dialog is open (the preview's own ←/→ are its
// own). Checkboxes and buttons are not typing: after "/" and Space on a filter, "]" pages.
const NOT_TYPING = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "file"]);

function isTyping(element) {
  if (!element || !element.closest) return false;
  if (element.isContentEditable || element.closest("textarea, select")) return true;
  return element.tagName === "INPUT" && !NOT_TYPING.has(element.type);
}

function page(direction) {
  const link = document.querySelector(`.pager [data-shortcut="${direction}"]`);
  if (!link) {
    announce(direction === "next" ? "This is the last page." : "This is the first page.");
    return;
  }
  focusResultsAfterSwap();
  link.click(); // an htmx link: the results swap in place and the URL follows
}

function focusFilters() {
  // Phones: the filters are in a sheet; its button opens it and focuses the first filter.
  const sheetToggle = document.querySelector(".filters-sheet-toggle");
  const sheetOpen = document.documentElement.classList.contains("filters-sheet-open");
  if (sheetToggle && sheetToggle.offsetParent !== null && !sheetOpen) {
    sheetToggle.click();
    return;
  }
  const first = document.querySelector("#filters input:not([type=hidden])");
  const panel = document.querySelector(".filters-panel");
  if (first) {
    first.focus();
  } else if (panel) {
    panel.setAttribute("tabindex", "-1");
    panel.focus();
  }
}

function pickFocused() {
  const card = document.activeElement && document.activeElement.closest(CARD);
  if (!card) return;
  const button = card.querySelector(".pick-form button");
  if (button) {
    button.click(); // the toggle posts with htmx; focus stays where it is
  } else {
    const why = card.querySelector(".pick-why");
    announce(why ? why.textContent : "This asset cannot be picked.");
  }
}

const openShortcuts = () => openDialog(document.getElementById("shortcuts-dialog"));

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || hasModifier(event)) return;
  if (isTyping(event.target) || dialogOpen()) return;
  const actions = {
    "/": focusFilters,
    "?": openShortcuts,
    "[": () => page("prev"),
    "]": () => page("next"),
    p: pickFocused,
  };
  const action = actions[event.key];
  if (!action) return;
  event.preventDefault(); // "/" would open the browser's quick find
  action();
});

document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-shortcuts-open]")) openShortcuts();
});

syncRoving();
