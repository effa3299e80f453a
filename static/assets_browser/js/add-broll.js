// Add by URL: after a refusal, focus the first field in error; after a success, the name.
document.addEventListener("htmx:afterSwap", (event) => {
  const form = event.target; // the new form (it replaced itself)
  if (form.id !== "add-broll") return;
  const field =
    form.querySelector('[aria-invalid="true"]') || form.querySelector("input[name=name]");
  if (field) field.focus();
});
