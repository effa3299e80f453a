// Drag and drop: reorder the tray's picks (mouse and touch, through SortableJS), and drop a
// card from the grid on the tray to pick it (the platform's drag events). The server's order is
// the truth: a drop is one request (to = the new place, 1 = the top) and the tray comes back in
// the server's order; a refused or failed move puts the picks back and says why. The move
// buttons (up, down, top, bottom) stay for the keyboard.
import "../vendor/sortable-1.15.7.min.js";
import { announce } from "./announce.js";
import { CARD } from "./dom.js";

const Sortable = window.Sortable;
const ASSET_TYPE = "application/x-argil-asset";
let pending = null; // the move in flight: {form, list, before, name, place}

function nameOf(item) {
  const name = item.querySelector(".tray-pick-name");
  return name ? name.getAttribute("title") || name.textContent.trim() : "the pick";
}

// A message next to the picks, and said in the live region.
function tellFailure(list, text) {
  const tray = document.getElementById("tray");
  if (tray) {
    let alert = tray.querySelector(".tray-error");
    if (!alert) {
      alert = document.createElement("p");
      alert.className = "alert alert--error tray-error";
      alert.setAttribute("role", "alert");
      (list && list.isConnected ? list : tray.querySelector(".tray-body")).before(alert);
    }
    alert.textContent = text;
  }
  announce(text);
}

function snapBack(text) {
  const move = pending;
  pending = null;
  if (!move) return;
  if (move.list.isConnected) move.sortable.sort(move.before, true);
  tellFailure(move.list, text);
}

function move(sortable, list, item, place, before) {
  const form = item.querySelector("form.tray-pick-actions");
  if (!form || !window.htmx) {
    sortable.sort(before, true);
    return;
  }
  pending = { form, list, sortable, before, name: nameOf(item), place };
  window.htmx.ajax("POST", form.getAttribute("action"), {
    source: form,
    target: "#tray",
    swap: "outerHTML",
    values: { to: String(place) },
  }).catch(() => {}); // a failure is handled by the events below
}

function setUp(list) {
  if (list.dataset.sortable) return;
  list.dataset.sortable = "1";
  let before = null;
  const sortable = Sortable.create(list, {
    draggable: ".tray-pick",
    dataIdAttr: "data-pick-id",
    // Typing a note, pressing a button or following a link is not a drag.
    filter: "input, textarea, button, a, select, label",
    preventOnFilter: false,
    // A finger scrolls the tray unless it rests on a pick for a moment first.
    delay: 250,
    delayOnTouchOnly: true,
    animation: 120,
    ghostClass: "is-drag-ghost",
    chosenClass: "is-drag-chosen",
    onStart: () => {
      before = sortable.toArray();
    },
    onEnd: (event) => {
      if (event.oldIndex === event.newIndex || pending) {
        if (pending) sortable.sort(before, true); // one move at a time
        return;
      }
      move(sortable, list, event.item, event.newIndex + 1, before);
    },
  });
}

// Only the editor's own tray: a board shared by a colleague is read-only (no move forms).
const OWN_LIST = "#tray .tray-picks";

function setUpAll(root) {
  const lists = root.matches && root.matches(OWN_LIST) ? [root] : [];
  lists.push(...root.querySelectorAll(OWN_LIST));
  lists.forEach(setUp);
}

document.addEventListener("htmx:load", (event) => setUpAll(event.detail.elt));

// The answer to a drag: the tray in the server's order (a refusal too: 400 or 409, with the
// reason in the tray). Anything else (a 404 page, a 500) is not swapped in: the picks go back.
const isTheMove = (event) =>
  pending && event.detail.requestConfig && event.detail.requestConfig.elt === pending.form;

document.addEventListener("htmx:beforeSwap", (event) => {
  if (!isTheMove(event)) return;
  const status = event.detail.xhr.status;
  if (status < 400) return;
  if (status === 400 || status === 409) {
    pending.refused = true;
    return;
  }
  event.detail.shouldSwap = false;
  snapBack(
    status === 404
      ? `${pending.name} is no longer on this board. Reload the page to see the board as it is.`
      : `${pending.name} was not moved: the dashboard could not save it (error ${status}).`,
  );
});

document.addEventListener("htmx:afterRequest", (event) => {
  if (!isTheMove(event)) return;
  const move = pending;
  if (!event.detail.successful && !event.detail.xhr.status) {
    snapBack(`${move.name} was not moved: the dashboard did not answer. Try again.`);
    return;
  }
  pending = null;
  if (move.refused) {
    const alert = document.querySelector("#tray .tray-error");
    const why = alert ? alert.textContent.trim() : "the move was refused";
    announce(`${move.name} was not moved: ${why} The picks are in the board's order.`);
  } else if (event.detail.successful) {
    const count = document.querySelectorAll("#tray .tray-pick").length;
    announce(`Moved ${move.name} to place ${move.place} of ${count}.`);
  }
});

// --- A card dropped on the tray: its Pick form posts, as a click on Pick would ---
document.addEventListener("dragstart", (event) => {
  const card = event.target.closest && event.target.closest(CARD);
  if (!card || !event.dataTransfer) return;
  event.dataTransfer.setData(ASSET_TYPE, card.dataset.assetId);
  event.dataTransfer.effectAllowed = "copyLink";
  document.documentElement.classList.add("is-dragging-card");
});

document.addEventListener("dragend", () => {
  document.documentElement.classList.remove("is-dragging-card");
  document
    .querySelectorAll(".is-drop-target")
    .forEach((el) => el.classList.remove("is-drop-target"));
});

function trayUnder(event) {
  const tray = event.target.closest && event.target.closest("#tray");
  const types = event.dataTransfer ? Array.from(event.dataTransfer.types) : [];
  return tray && types.includes(ASSET_TYPE) ? tray : null;
}

document.addEventListener("dragover", (event) => {
  const tray = trayUnder(event);
  if (!tray) return;
  event.preventDefault(); // this is a drop target
  event.dataTransfer.dropEffect = "copy";
  tray.classList.add("is-drop-target");
});

document.addEventListener("dragleave", (event) => {
  const tray = trayUnder(event);
  if (tray && !tray.contains(event.relatedTarget)) tray.classList.remove("is-drop-target");
});

document.addEventListener("drop", (event) => {
  const tray = trayUnder(event);
  if (!tray) return;
  event.preventDefault();
  tray.classList.remove("is-drop-target");
  const card = document.getElementById("asset-" + event.dataTransfer.getData(ASSET_TYPE));
  if (!card) return;
  const button = card.querySelector(".pick-form .pick-button");
  const name = card.querySelector(".card-link");
  const label = name ? name.textContent.trim() : "This asset";
  if (!button) {
    const why = card.querySelector(".pick-why");
    announce(why ? `${label}: ${why.textContent.trim()}` : `${label} cannot be picked.`);
  } else if (button.classList.contains("is-picked")) {
    announce(`${label} is already on the board.`);
  } else {
    button.click(); // the Pick toggle posts with htmx; picks.js says what happened
  }
});

setUpAll(document);
