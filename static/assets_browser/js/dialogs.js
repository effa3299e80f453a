// Modal dialogs: open one, know whether one is open, and close the preview and the shortcuts
// list on a click on their backdrop (the click lands on the <dialog> itself).

const BACKDROP_CLOSES = new Set(["preview", "shortcuts-dialog"]);

export function openDialog(dialog) {
  if (dialog && !dialog.open) dialog.showModal();
}

export function dialogOpen() {
  return Boolean(document.querySelector("dialog[open]"));
}

document.addEventListener("click", (event) => {
  const dialog = event.target;
  if (dialog instanceof HTMLDialogElement && dialog.open && BACKDROP_CLOSES.has(dialog.id)) {
    dialog.close();
  }
});
