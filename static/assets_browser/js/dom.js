// Small lookups several features share: the grid's cards, a card's link, quiet focus.

export const CARD = "#asset-grid > .card";

export function gridCards() {
  return Array.from(document.querySelectorAll(CARD));
}

export function cardLinkFor(assetId) {
  const card = assetId && document.getElementById("asset-" + assetId);
  return card ? card.querySelector(".card-link") : null;
}

// Focus a heading (or any element) after a swap without scrolling: headings get tabindex -1.
export function focusQuietly(element) {
  if (!element) return;
  if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus({ preventScroll: true });
}
