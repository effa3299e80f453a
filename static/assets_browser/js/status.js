// Live status: the server renders the poller (#status-poll: htmx asks once after its delay, and
// the answer replaces it with the next one, or stops with 286). Here: each poll asks about every
// card still PROCESSING, whichever swap put it on the page, in one request; a poll that would
// answer into a replaced poller (the results or an upload re-rendered it meanwhile) swaps
// nothing; a signed-out answer stops quietly; a keyboard user keeps their place; a hidden tab
// asks nothing until it is seen again; an upload that turns READY or FAILED is announced.
import { announce } from "./announce.js";
import { cardLinkFor } from "./dom.js";

const MAX_IDS = 100; // what the status endpoint accepts
const isPoll = (event) => event.detail.elt && event.detail.elt.id === "status-poll";
let focusedId = null;
let processing = new Map(); // id -> name of the cards processing when a poll's answer came

function processingCards() {
  return Array.from(document.querySelectorAll('.card[data-status="PROCESSING"]'));
}

function nameOf(card) {
  const link = card.querySelector(".card-link");
  return link ? link.textContent.trim() : "An upload";
}

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
  processing = new Map(processingCards().map((each) => [each.dataset.assetId, nameOf(each)]));
});

// What settled since the last answer, in the live region: "Harbour at dawn is ready."
function announceSettled() {
  const said = [];
  processing.forEach((name, id) => {
    const card = document.getElementById("asset-" + id);
    const status = card && card.dataset.status;
    if (status === "READY") said.push(`${name} is ready.`);
    else if (status === "FAILED") said.push(`${name} failed to process.`);
  });
  processing = new Map();
  if (said.length) announce(said.join(" "));
}

document.addEventListener("htmx:afterSettle", (event) => {
  if (!isPoll(event)) return;
  announceSettled();
  if (!focusedId) return;
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
