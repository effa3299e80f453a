// Live status: the server renders the poller (#status-poll: htmx asks once after its delay, and
// the answer replaces it with the next one, or stops with 286). Here: each poll asks about every
// card still PROCESSING, whichever swap put it on the page, in one request; a poll that would
// answer into a replaced poller (the results or an upload re-rendered it meanwhile) swaps
// nothing; a signed-out answer stops quietly; a keyboard user keeps their place; a hidden tab
// asks nothing until it is seen again.
import { cardLinkFor } from "./dom.js";

const MAX_IDS = 100; // what the status endpoint accepts
const isPoll = (event) => event.detail.elt && event.detail.elt.id === "status-poll";
let focusedId = null;

document.addEventListener("htmx:configRequest", (event) => {
  if (!isPoll(event)) return;
  event.detail.parameters.id = Array.from(
    document.querySelectorAll('.card[data-status="PROCESSING"]'),
    (card) => card.dataset.assetId,
  ).slice(0, MAX_IDS);
});

document.addEventListener("htmx:beforeOnLoad", (event) => {
  // The session ended: the page stays as it is rather than jumping to the log-in page.
  if (isPoll(event) && event.detail.xhr.getResponseHeader("HX-Redirect")) event.preventDefault();
});

document.addEventListener("htmx:beforeSwap", (event) => {
  if (!isPoll(event)) return;
  if (!event.detail.target.isConnected) {
    event.detail.shouldSwap = false; // its cards are asked about again by the live poller
    return;
  }
  const card = document.activeElement && document.activeElement.closest(".card");
  focusedId = card ? card.dataset.assetId : null;
});

document.addEventListener("htmx:afterSettle", (event) => {
  if (!isPoll(event) || !focusedId) return;
  const link = cardLinkFor(focusedId);
  focusedId = null;
  if (link && !link.closest(".card").contains(document.activeElement)) {
    link.focus({ preventScroll: true });
  }
});

let skipped = null; // the poller whose turn came while the tab was hidden

document.addEventListener("htmx:confirm", (event) => {
  if (event.target.id !== "status-poll" || !document.hidden) return;
  event.preventDefault();
  skipped = event.target;
});

document.addEventListener("visibilitychange", () => {
  if (document.hidden || !skipped || !skipped.isConnected) return;
  const poller = skipped;
  skipped = null;
  htmx.ajax("GET", poller.getAttribute("hx-get"), {
    source: poller,
    target: poller,
    swap: "outerHTML",
  });
});
