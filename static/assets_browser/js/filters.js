// The filters panel. Phones: the filters wait in a sheet behind "Filters (2)", so the first
// screen shows results; the state lives on <html> (the panel is never swapped). Wide screens:
// the panel folds into a rail, a saved preference (preferences.js applies it in place).
const root = document.documentElement;

function sheetButtons() {
  return document.querySelectorAll("[data-filters-sheet]");
}

// An open sheet is modal: the page behind it is inert (no focus, no clicks, hidden from screen
// readers) until it shuts; a tap on the backdrop shuts it.
let inertBehind = [];

function setPageBehindInert(inert) {
  inertBehind.forEach((element) => element.removeAttribute("inert"));
  inertBehind = [];
  if (!inert) return;
  for (let node = document.getElementById("filters-body"); node && node !== document.body; ) {
    const parent = node.parentElement;
    for (const sibling of parent.children) {
      if (sibling !== node && !sibling.inert) {
        sibling.inert = true;
        inertBehind.push(sibling);
      }
    }
    node = parent;
  }
}

function setSheet(open, { focus = true } = {}) {
  root.classList.toggle("filters-sheet-open", open);
  sheetButtons().forEach((button) => button.setAttribute("aria-expanded", String(open)));
  setPageBehindInert(open);
  if (!focus) return;
  if (open) {
    const first = document.querySelector(
      "#filters-body input:not([type=hidden]), #filters-body select",
    );
    if (first) first.focus();
  } else {
    const toggle = document.querySelector(".filters-sheet-toggle");
    if (toggle) toggle.focus();
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("[data-filters-sheet]");
  const open = root.classList.contains("filters-sheet-open");
  if (button) {
    setSheet(!open);
  } else if (open && event.target.id === "filters-panel") {
    // The backdrop is the panel's ::before, over everything but the sheet: a click on the
    // panel itself landed on it.
    setSheet(false);
  }
});

// The sheet is a phone's (layout.css, the same width): turned wider while open, it shuts, or the
// page would stay inert behind a sheet no longer shown.
window.matchMedia("(max-width: 760px)").addEventListener("change", (event) => {
  if (!event.matches && root.classList.contains("filters-sheet-open")) {
    setSheet(false, { focus: false });
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !root.classList.contains("filters-sheet-open")) return;
  const panel = document.getElementById("filters-panel");
  if (panel && panel.contains(event.target)) setSheet(false);
});

// "Filters (2)": a search, each type ticked, a status other than the default, a sort (as
// BrowseQuery.filter_count counts them on the server).
function countFilters() {
  const form = document.getElementById("filters");
  const count = document.querySelector("[data-filter-count]");
  if (!form || !count) return;
  const status = form.querySelector("select[name=status]");
  let n = form.querySelectorAll("input[name=type]:checked").length;
  if (status && status.dataset.default && status.value !== status.dataset.default) n += 1;
  for (const name of ["q", "sort"]) {
    const field = form.elements.namedItem(name);
    if (field && field.value.trim()) n += 1;
  }
  count.textContent = n ? ` (${n})` : "";
}

for (const type of ["change", "input"]) {
  document.addEventListener(type, (event) => {
    if (event.target.closest && event.target.closest("#filters")) countFilters();
  });
}

