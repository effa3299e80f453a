// Copy buttons (Clipboard API: https, or localhost in development). data-copy holds the text
// itself (an asset id); data-copy-target names the element whose text is copied (an export).
// When the browser refuses, the text is selected so that Ctrl+C copies it.
document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("[data-copy], [data-copy-target]");
  if (!button) return;
  const source = button.dataset.copyTarget
    ? document.getElementById(button.dataset.copyTarget)
    : button.parentElement.querySelector("code");
  const text = button.dataset.copyTarget ? source && source.textContent : button.dataset.copy;
  const status = button.parentElement.querySelector(".copy-status");
  if (text == null || !status) return;
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = "Copied";
    status.classList.add("is-ok");
  } catch {
    if (source) window.getSelection().selectAllChildren(source);
    status.textContent = button.dataset.copyTarget
      ? "Copy blocked: the text is selected, press Ctrl+C"
      : "Copy blocked: select the ID and copy it";
    status.classList.remove("is-ok");
  }
});
