// Screen readers: a polite announcement in #announcer (outside every swap target). Emptied
// first, so the same words are said again.
export function announce(text) {
  const announcer = document.getElementById("announcer");
  if (!announcer || !text) return;
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text.replace(/\s+/g, " ").trim();
  }, 50);
}
