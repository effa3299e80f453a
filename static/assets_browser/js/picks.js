// Pick toggles (on a card and in the preview): every copy of a toggle is replaced after a
// click. Keep keyboard focus on the copy that was used, and say what happened and how full the
// board is now. The form is gone by the time the answer is in, so remember it by request.
import { announce } from "./announce.js";

const pickRequests = new WeakMap(); // xhr -> {id, parent, hadFocus}

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const toggle = elt.closest && elt.closest("[data-pick-toggle]");
  if (!toggle) return;
  pickRequests.set(event.detail.xhr, {
    id: toggle.dataset.pickToggle,
    parent: toggle.parentElement,
    hadFocus: toggle.contains(document.activeElement),
    isPick: elt.matches(".pick-form"),
  });
});

document.addEventListener("htmx:afterRequest", (event) => {
  const pick = pickRequests.get(event.detail.xhr);
  if (!pick) return;
  pickRequests.delete(event.detail.xhr);
  if (pick.hadFocus) {
    const copy = Array.from(pick.parent.querySelectorAll("[data-pick-toggle]")).find(
      (each) => each.dataset.pickToggle === pick.id,
    );
    const button = copy && copy.querySelector("button:not(:disabled)");
    if (button) button.focus({ preventScroll: true });
  }
  if (!pick.isPick || !event.detail.successful) return;
  const toggle = document.querySelector(`[data-pick-toggle="${pick.id}"]`);
  if (!toggle) return;
  const label = toggle.querySelector(".pick-button .visually-hidden"); // the asset's name
  const name = label ? label.textContent.trim() : "the asset";
  const picked = toggle.classList.contains("is-picked");
  const board = document.getElementById("tray-title");
  const count = document.querySelector("#tray .tray-count");
  let text = picked ? `Picked ${name}.` : `Took ${name} off the board.`;
  if (board && count) text += ` ${count.textContent.trim()} on ${board.textContent.trim()}.`;
  announce(text);
});
