// Layout, thumbnail size, theme and the filters panel (open or folded): saved on the server (a
// plain POST form without JS), applied here in place. The preferences view answers htmx with 204
// and HX-Trigger: {"prefs-saved": {...}}.

const ALLOWED = {
  layout: ["grid", "list"],
  thumb_size: ["small", "medium", "large"],
  theme: ["auto", "light", "dark"],
  filters: ["open", "collapsed"],
};
const PRESSED = ["layout", "thumb_size", "theme"]; // segmented buttons; filters is one toggle

function applyFilters(value) {
  const panel = document.getElementById("filters-panel");
  const button = panel && panel.querySelector("button[name=filters]");
  if (!button || !ALLOWED.filters.includes(value)) return;
  const collapsed = value === "collapsed";
  panel.classList.toggle("is-collapsed", collapsed);
  const label = collapsed ? "Show the filters" : "Hide the filters";
  button.value = collapsed ? "open" : "collapsed";
  button.title = label;
  button.setAttribute("aria-expanded", String(!collapsed));
  button.querySelector(".visually-hidden").textContent = label;
}
let savedPrefs = null; // as last saved from this page

function applyPrefs(prefs) {
  if (ALLOWED.theme.includes(prefs.theme)) document.documentElement.dataset.theme = prefs.theme;
  const grid = document.getElementById("asset-grid");
  for (const [name, prefix] of [["layout", "grid--"], ["thumb_size", "thumbs--"]]) {
    if (!grid || !ALLOWED[name].includes(prefs[name])) continue;
    ALLOWED[name].forEach((value) => grid.classList.toggle(prefix + value, value === prefs[name]));
  }
  document.querySelectorAll("[data-prefs-form] button[name]").forEach((button) => {
    if (PRESSED.includes(button.name)) {
      button.setAttribute("aria-pressed", String(prefs[button.name] === button.value));
    }
  });
  applyFilters(prefs.filters);
}

// New results may have been rendered (or preloaded) before the last change.
export function reapplySavedPrefs() {
  if (savedPrefs) applyPrefs(savedPrefs);
}

document.addEventListener("prefs-saved", (event) => {
  const { layout, thumb_size, theme, filters } = event.detail;
  savedPrefs = { layout, thumb_size, theme, filters };
  applyPrefs(savedPrefs);
});
