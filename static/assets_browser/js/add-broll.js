// Add by URL: after a refusal, focus the first field in error; after a success, the name. When
// the new card went into the grid (it passes the filters), it is scrolled into view and
// highlighted, and "Showing 1–21 of 190" counts it.
const numbers = new Intl.NumberFormat("en");

function countTheNewCard() {
  const summary = document.querySelector("[data-summary]");
  if (!summary || !summary.dataset.end) return;
  const start = Number(summary.dataset.start);
  const end = Number(summary.dataset.end) + 1;
  summary.dataset.end = String(end);
  let text = `Showing ${numbers.format(start)}–${numbers.format(end)}`;
  if (summary.dataset.total) {
    const total = Number(summary.dataset.total) + 1;
    summary.dataset.total = String(total);
    text += ` of ${numbers.format(total)}`;
  }
  summary.textContent = text;
}

function showTheNewCard(form) {
  const added = form.querySelector("[data-created][data-inserted]");
  const card = added && document.getElementById("asset-" + added.dataset.created);
  if (!card) return;
  countTheNewCard();
  card.classList.add("is-new");
  card.scrollIntoView({ block: "nearest" });
}

document.addEventListener("htmx:afterSwap", (event) => {
  const form = event.target; // the new form (it replaced itself)
  if (form.id !== "add-broll") return;
  showTheNewCard(form);
  const field =
    form.querySelector('[aria-invalid="true"]') || form.querySelector("input[name=name]");
  if (field) field.focus({ preventScroll: true });
});
