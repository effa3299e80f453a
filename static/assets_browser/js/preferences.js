// Layout, thumbnail size and theme: saved on the server (a plain POST form without JS), applied
// here in place. The preferences view answers htmx with 204 and
// HX-Trigger: {"prefs-saved": {...}}.

const ALLOWED = {
  layout: ["grid", "list"],
  thumb_size: ["small", "medium", "large"],
  theme: ["auto", "light", "dark"],
};
let savedPrefs = null; // as last saved from this page

function applyPrefs(prefs) {
  if (ALLOWED.theme.includes(prefs.theme)) document.documentElement.dataset.theme = prefs.theme;
  const grid = document.getElementById("asset-grid");
  for (const [name, prefix] of [["layout", "grid--"], ["thumb_size", "thumbs--"]]) {
    if (!grid || !ALLOWED[name].includes(prefs[name])) continue;
    ALLOWED[name].forEach((value) => grid.classList.toggle(prefix + value, value === prefs[name]));
  }
  document.querySelectorAll("[data-prefs-form] button[name]").forEach((button) => {
    if (button.name in ALLOWED) {
      button.setAttribute("aria-pressed", String(prefs[button.name] === button.value));
    }
  });
}

// New results may have been rendered (or preloaded) before the last change.
export function reapplySavedPrefs() {
  if (savedPrefs) applyPrefs(savedPrefs);
}

document.addEventListener("prefs-saved", (event) => {
  const { layout, thumb_size, theme } = event.detail;
  savedPrefs = { layout, thumb_size, theme };
  applyPrefs(savedPrefs);
});
