// Speed: the preload extension (hx-ext="preload" on the pager) fetches "Next page" on hover;
// keyboard editors get the same when the link takes focus. The browser keeps that answer a few
// seconds (Cache-Control: private, max-age=10 on preloads only), so the click that follows is
// instant.

export function isPreload(event) {
  const headers = event.detail.requestConfig && event.detail.requestConfig.headers;
  return Boolean(headers && headers["HX-Preloaded"] === "true");
}

document.addEventListener("focusin", (event) => {
  const link = event.target.closest && event.target.closest("a[preload]");
  if (link) link.dispatchEvent(new MouseEvent("mouseover"));
});
