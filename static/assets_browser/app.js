// Argil Asset Browser: the little behaviour htmx does not cover. No inline scripts anywhere (CSP).
"use strict";

document.documentElement.classList.add("js");

// The results region says it is busy while htmx replaces it, for screen readers.
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  if (isPreload(event)) return; // a preload swaps nothing: the results are not busy
  if (target && target.id === "results") target.setAttribute("aria-busy", "true");
});

document.addEventListener("htmx:afterSettle", (event) => {
  const results = document.getElementById("results");
  // event.target: the new #results (an outerHTML swap fires afterSettle on the new element;
  // event.detail.target is the old one, already detached).
  if (!results || event.target !== results) return;
  results.setAttribute("aria-busy", "false");
  // A swap removes the focused link (pager, retry): keep focus in the results, not at the top.
  if (document.activeElement === document.body) {
    const title = document.getElementById("results-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus({ preventScroll: true });
    }
  }
});

// --- Speed: preload the next page ------------------------------------------------------------
// The preload extension (hx-ext="preload" on the pager) fetches "Next page" on hover; keyboard
// editors get the same when the link takes focus. The browser keeps that answer a few seconds
// (Cache-Control: private, max-age=10 on preloads only), so the click that follows is instant.

function isPreload(event) {
  const headers = event.detail.requestConfig && event.detail.requestConfig.headers;
  return Boolean(headers && headers["HX-Preloaded"] === "true");
}

document.addEventListener("focusin", (event) => {
  const link = event.target.closest && event.target.closest("a[preload]");
  if (link) link.dispatchEvent(new MouseEvent("mouseover"));
});
// --- End of speed ----------------------------------------------------------------------------

// --- Preview, hover preview, live status, add by URL (issue 4A) ------------------------------
// Card links load /assets/<id>/ into the <dialog id="preview"> with htmx; we open it after the
// swap, step through the grid with ←/→, and hand focus back to the card on close. Video cards
// play a muted clip on hover. PROCESSING cards are polled in one batched request, backing off.
(() => {
  const previewDialog = () => document.getElementById("preview");
  let shownId = null; // the asset the dialog shows (or is loading)

  function cardLinkFor(assetId) {
    const card = assetId && document.getElementById("asset-" + assetId);
    return card ? card.querySelector(".card-link") : null;
  }

  function gridCards() {
    return Array.from(document.querySelectorAll("#asset-grid > .card"));
  }

  function neighbour(delta) {
    const cards = gridCards();
    const index = cards.findIndex((card) => card.dataset.assetId === shownId);
    return index < 0 ? null : cards[index + delta] || null;
  }

  function updateStepButtons(dialog) {
    dialog.querySelectorAll("[data-preview-step]").forEach((button) => {
      button.disabled = !neighbour(Number(button.dataset.previewStep));
    });
  }

  function step(delta) {
    const card = neighbour(delta);
    const link = card && card.querySelector(".card-link");
    if (!link) return;
    htmx.ajax("GET", link.getAttribute("href"), {
      source: link,
      target: "#preview-body",
      swap: "innerHTML",
    });
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const dialog = previewDialog();
    if (!dialog || !event.detail.target || event.detail.target.id !== "preview-body") return;
    const card = event.detail.elt.closest && event.detail.elt.closest(".card");
    if (card) shownId = card.dataset.assetId;
    dialog.classList.add("is-loading");
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const dialog = previewDialog();
    if (dialog && event.detail.target && event.detail.target.id === "preview-body") {
      dialog.classList.remove("is-loading");
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const dialog = previewDialog();
    if (!dialog || !dialog.contains(event.target)) return; // #preview-body, or a retried .preview
    updateStepButtons(dialog);
    if (!dialog.open) {
      dialog.showModal();
    } else if (!dialog.contains(document.activeElement) || document.activeElement === dialog) {
      // Stepping replaced what had focus (a player, the copy button): land on the new title.
      const title = dialog.querySelector("#preview-title");
      if (title) {
        title.setAttribute("tabindex", "-1");
        title.focus({ preventScroll: true });
      }
    }
  });

  document.addEventListener("click", (event) => {
    const dialog = previewDialog();
    if (!dialog) return;
    const stepButton = event.target.closest && event.target.closest("[data-preview-step]");
    if (stepButton && dialog.contains(stepButton)) step(Number(stepButton.dataset.previewStep));
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });

  // Capture phase, so page-level shortcuts (the pager's ←/→) never see keys meant for the dialog.
  window.addEventListener(
    "keydown",
    (event) => {
      const dialog = previewDialog();
      if (!dialog || !dialog.open || event.defaultPrevented) return;
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const inControl = event.target.closest && event.target.closest("video, audio, input, select, textarea");
      if (inControl) return; // ←/→ seek a player or move a caret there
      event.preventDefault();
      event.stopPropagation();
      step(event.key === "ArrowLeft" ? -1 : 1);
    },
    true,
  );

  document.addEventListener(
    "close",
    (event) => {
      const dialog = previewDialog();
      if (event.target !== dialog) return;
      dialog.querySelector("#preview-body").replaceChildren(); // stops any playback
      const link = cardLinkFor(shownId);
      if (link) link.focus();
      shownId = null;
    },
    true, // "close" does not bubble
  );

  // Copy the asset id (Clipboard API; a secure context: https, or localhost in development).
  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    const status = button.parentElement.querySelector(".copy-status");
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      status.textContent = "Copied";
      status.classList.add("is-ok");
    } catch {
      status.textContent = "Copy blocked: select the ID and copy it";
      status.classList.remove("is-ok");
      const code = button.parentElement.querySelector("code");
      if (code) window.getSelection().selectAllChildren(code);
    }
  });

  // Hover preview: a muted, looping clip over a video card's thumbnail after a short hover.
  // Nothing loads until then: the <video> is created here and removed when the pointer leaves.
  const HOVER_DELAY_MS = 400;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  let hoverCard = null;
  let hoverTimer = 0;

  function stopHoverPreview() {
    window.clearTimeout(hoverTimer);
    hoverTimer = 0;
    if (hoverCard) {
      hoverCard.querySelectorAll(".hover-preview").forEach((video) => {
        video.pause();
        video.removeAttribute("src");
        video.load(); // drops the connection
        video.remove();
      });
    }
    hoverCard = null;
  }

  function startHoverPreview(card) {
    const thumb = card.querySelector(".thumb");
    const src = card.dataset.previewSrc || "";
    if (!thumb || !/^https?:\/\//i.test(src)) return; // the server only sends http(s)
    const video = document.createElement("video");
    video.className = "hover-preview";
    video.muted = true;
    video.defaultMuted = true;
    video.loop = true;
    video.playsInline = true;
    video.setAttribute("aria-hidden", "true");
    video.addEventListener("playing", () => video.classList.add("is-playing"), { once: true });
    video.src = src;
    thumb.append(video);
    video.play().catch(() => {}); // autoplay refused: the thumbnail simply stays
  }

  document.addEventListener("pointerover", (event) => {
    if (event.pointerType === "touch" || reducedMotion.matches) return;
    const card = event.target.closest && event.target.closest(".card[data-preview-src]");
    if (!card || card === hoverCard) return;
    stopHoverPreview();
    hoverCard = card;
    hoverTimer = window.setTimeout(() => startHoverPreview(card), HOVER_DELAY_MS);
  });

  document.addEventListener("pointerout", (event) => {
    if (hoverCard && !(event.relatedTarget && hoverCard.contains(event.relatedTarget))) {
      stopHoverPreview();
    }
  });

  // Live status: while PROCESSING cards are on the page, ask about all of them in ONE request,
  // at 2, 3, 5, 8, 13 s, then every 15 s, for at most 10 minutes from the last new one.
  // The answer holds only the cards that settled, swapped out-of-band by their ids.
  const POLL_DELAYS_MS = [2000, 3000, 5000, 8000, 13000, 15000];
  const POLL_FOR_MS = 10 * 60 * 1000;
  const POLL_MAX_IDS = 100; // what the status endpoint accepts
  const seenPending = new Set();
  let pollTimer = 0;
  let pollStep = 0;
  let pollSince = 0;
  let polling = false;

  function pendingIds() {
    return Array.from(document.querySelectorAll('.card[data-status="PROCESSING"]'))
      .map((card) => card.dataset.assetId)
      .slice(0, POLL_MAX_IDS);
  }

  function schedulePoll(wait) {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(poll, wait);
  }

  function nextDelay() {
    return POLL_DELAYS_MS[Math.min(pollStep++, POLL_DELAYS_MS.length - 1)];
  }

  // After every swap: new PROCESSING cards (an upload, another page) restart the schedule.
  function watchPending() {
    const ids = pendingIds();
    const fresh = ids.filter((id) => !seenPending.has(id));
    fresh.forEach((id) => seenPending.add(id));
    if (fresh.length) {
      pollStep = 0;
      pollSince = Date.now();
      if (!polling) schedulePoll(nextDelay());
    }
  }

  async function poll() {
    const browse = document.querySelector("[data-status-url]");
    const ids = pendingIds();
    if (!browse || !ids.length || Date.now() - pollSince > POLL_FOR_MS) return; // done
    let wait = nextDelay();
    if (!document.hidden) {
      polling = true;
      const query = new URLSearchParams(ids.map((id) => ["id", id]));
      try {
        const response = await fetch(browse.dataset.statusUrl + "?" + query, {
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
        });
        if (response.headers.get("HX-Redirect")) return; // signed out: stop quietly
        if (response.ok) {
          const html = await response.text();
          const focused = document.activeElement && document.activeElement.closest(".card");
          htmx.swap(document.body, html, { swapStyle: "none" });
          if (focused && !focused.isConnected) {
            const link = cardLinkFor(focused.dataset.assetId); // keep a keyboard user's place
            if (link) link.focus({ preventScroll: true });
          }
        } else {
          const retryAfter = Number(response.headers.get("Retry-After")) * 1000;
          if (retryAfter > wait) wait = retryAfter;
        }
      } catch {
        // Offline or the server restarting: try again after the next delay.
      } finally {
        polling = false;
      }
    }
    if (pendingIds().length) schedulePoll(wait);
  }

  document.addEventListener("htmx:afterSettle", watchPending);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchPending);
  } else {
    watchPending();
  }

  // Add by URL: after a refusal, focus the first field in error; after a success, the name.
  document.addEventListener("htmx:afterSwap", (event) => {
    const form = event.target; // the new form (it replaced itself)
    if (form.id !== "add-broll") return;
    const field = form.querySelector('[aria-invalid="true"]') || form.querySelector("input[name=name]");
    if (field) field.focus();
  });
})();
// --- End of preview --------------------------------------------------------------------------

// --- Boards: Pick toggles, the tray, the export dialog (issue 4B) ----------------------------
// Every change posts with htmx; the server answers with the tray and the Pick toggles whose
// state changed (out of band). This section keeps focus and the phone sheet's state across
// those swaps, opens the export dialog, and copies export text.
(() => {
  const root = document.documentElement;

  // Phones and narrow windows: the tray is a bottom bar; "Show" opens it into a sheet. The
  // state lives on <html>, so it survives the tray being replaced after every change.
  function syncTrayToggle() {
    const open = root.classList.contains("tray-open");
    document.querySelectorAll("[data-tray-toggle]").forEach((button) => {
      button.setAttribute("aria-expanded", String(open));
      const label = button.querySelector(".tray-toggle-label");
      if (label) label.textContent = open ? "Hide" : "Show";
    });
  }

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest && event.target.closest("[data-tray-toggle]");
    if (!toggle) return;
    root.classList.toggle("tray-open");
    syncTrayToggle();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !root.classList.contains("tray-open")) return;
    const tray = document.getElementById("tray");
    if (!tray || !tray.contains(event.target)) return;
    root.classList.remove("tray-open");
    syncTrayToggle();
    const toggle = tray.querySelector("[data-tray-toggle]");
    if (toggle) toggle.focus();
  });

  // A Pick toggle is replaced (every copy: card and preview dialog) after a click; keep
  // keyboard focus on the copy that was used.
  let pickFocus = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const toggle = event.detail.elt.closest && event.detail.elt.closest("[data-pick-toggle]");
    pickFocus =
      toggle && toggle.contains(document.activeElement)
        ? { parent: toggle.parentElement, id: toggle.dataset.pickToggle }
        : null;
  });

  document.addEventListener("htmx:afterRequest", () => {
    if (!pickFocus) return;
    const { parent, id } = pickFocus;
    pickFocus = null;
    const toggle = Array.from(parent.querySelectorAll("[data-pick-toggle]")).find(
      (each) => each.dataset.pickToggle === id,
    );
    const button = toggle && toggle.querySelector("button:not(:disabled)");
    if (button) button.focus({ preventScroll: true });
  });

  // After the tray is replaced: a confirmation or a refused field takes focus; otherwise, if
  // what had focus is gone (htmx keeps focus on elements with a stable id), the tray's title.
  function afterTraySwap(tray) {
    syncTrayToggle();
    const target =
      tray.querySelector("[data-autofocus]") || tray.querySelector('[aria-invalid="true"]');
    if (target) {
      target.focus();
    } else if (document.activeElement === document.body) {
      const title = tray.querySelector("#tray-title");
      if (title) title.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:afterSwap", (event) => {
    // Only when the tray was the request's target (a tray form), not an out-of-band copy of it
    // (after a Pick on a card, focus belongs to that card's toggle).
    const requested = event.detail.target;
    if (event.target.id === "tray" && requested && requested.id === "tray") {
      afterTraySwap(event.target);
    } else if (event.target.id === "tray") {
      syncTrayToggle();
    }
    if (event.target.id === "export-panel") {
      const dialog = document.getElementById("export-dialog");
      if (dialog && !dialog.open) dialog.showModal();
    }
  });

  document.addEventListener(
    "close",
    (event) => {
      if (event.target.id !== "export-dialog") return;
      event.target.querySelector("#export-panel").replaceChildren();
    },
    true, // "close" does not bubble
  );

  // Copy the export's JSON or CSV (Clipboard API: https, or localhost in development).
  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copyTarget);
    const status = button.parentElement.querySelector(".copy-status");
    if (!source || !status) return;
    try {
      await navigator.clipboard.writeText(source.textContent);
      status.textContent = "Copied";
      status.classList.add("is-ok");
    } catch {
      window.getSelection().selectAllChildren(source);
      status.textContent = "Copy blocked: the text is selected, press Ctrl+C";
      status.classList.remove("is-ok");
    }
  });

  // A thumbnail URL kept on a pick may expire: show the type icon underneath instead.
  document.addEventListener(
    "error",
    (event) => {
      const img = event.target;
      if (img.tagName === "IMG" && img.closest(".tray-thumb, .tray-strip-thumb")) img.remove();
    },
    true, // "error" does not bubble
  );

  syncTrayToggle();
})();
// --- End of boards ---------------------------------------------------------------------------

// --- Every editor: keyboard, screen readers, layout and theme (issue 6) ----------------------
// The grid is one Tab stop (roving tabindex) with arrow keys between cards; single-key
// shortcuts (p, /, [, ], ?) for the browse page; an announcer (#announcer, outside every swap
// target) that reads out what a swap changed; and the editor's saved layout and theme applied in
// place after the preferences POST answers.
(() => {
  const root = document.documentElement;
  const CARD = "#asset-grid > .card";
  let savedPrefs = null; // layout, size and theme as last saved from this page (see the end)

  // Screen readers: a polite announcement. Emptied first, so the same words are said again.
  function announce(text) {
    const announcer = document.getElementById("announcer");
    if (!announcer || !text) return;
    announcer.textContent = "";
    window.setTimeout(() => {
      announcer.textContent = text.replace(/\s+/g, " ").trim();
    }, 50);
  }

  // --- The grid: one Tab stop, arrow keys between cards ---
  let activeId = null; // the card that holds the grid's Tab stop

  function gridCards() {
    return Array.from(document.querySelectorAll(CARD));
  }

  // Only the active card's link and Pick button are in the Tab order; the rest are reached with
  // the arrow keys. Run again after every swap (pages, Pick toggles, live status).
  function syncRoving() {
    const cards = gridCards();
    if (!cards.length) return;
    const active = cards.find((card) => card.dataset.assetId === activeId) || cards[0];
    activeId = active.dataset.assetId;
    cards.forEach((card) => {
      card.querySelectorAll("a[href], button").forEach((control) => {
        if (card === active) control.removeAttribute("tabindex");
        else control.setAttribute("tabindex", "-1");
      });
    });
  }

  let syncQueued = false;
  document.addEventListener("htmx:load", () => {
    if (syncQueued) return;
    syncQueued = true;
    queueMicrotask(() => {
      syncQueued = false;
      syncRoving();
    });
  });

  document.addEventListener("focusin", (event) => {
    const card = event.target.closest && event.target.closest(CARD);
    if (card && card.dataset.assetId !== activeId) {
      activeId = card.dataset.assetId;
      syncRoving();
    }
  });

  // How many cards a row holds, from the layout as rendered (1 in the list).
  function rowLength(cards) {
    const top = cards[0].offsetTop;
    const length = cards.findIndex((card) => card.offsetTop !== top);
    return length < 0 ? cards.length : length;
  }

  function targetIndex(key, index, cards) {
    const last = cards.length - 1;
    const row = rowLength(cards);
    switch (key) {
      case "ArrowLeft":
        return Math.max(index - 1, 0);
      case "ArrowRight":
        return Math.min(index + 1, last);
      case "ArrowUp":
        return index - row >= 0 ? index - row : index;
      case "ArrowDown":
        // A shorter last row: from above its end, Down lands on its last card.
        if (index + row <= last) return index + row;
        return cards[last].offsetTop > cards[index].offsetTop ? last : index;
      case "Home":
        return 0;
      case "End":
        return last;
      default:
        return -1;
    }
  }

  function hasModifier(event) {
    // AltGr is how many keyboards type "[", "]", "/" or "?" (German, French, Polish...), and
    // Windows reports it as Ctrl+Alt too: it is part of the character, not a modifier here.
    if (event.getModifierState && event.getModifierState("AltGraph")) return event.metaKey;
    return event.altKey || event.ctrlKey || event.metaKey;
  }

  function dialogOpen() {
    return Boolean(document.querySelector("dialog[open]"));
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || hasModifier(event) || event.shiftKey || dialogOpen()) return;
    const card = event.target.closest && event.target.closest(CARD);
    if (!card) return;
    const cards = gridCards();
    const index = targetIndex(event.key, cards.indexOf(card), cards);
    if (index < 0) return;
    event.preventDefault(); // no page scroll: focus moving scrolls the card into view
    const next = cards[index];
    activeId = next.dataset.assetId;
    syncRoving();
    next.querySelector(".card-link").focus();
  });

  // --- Single-key shortcuts ---
  // Never while typing (a text field, a select, contenteditable), with Ctrl/Alt/Meta held (AltGr
  // is no modifier: it types the key), or while a dialog is open (the preview's own ←/→ are its
  // own). Checkboxes and buttons are not typing: after "/" and Space on a filter, "]" pages.
  const NOT_TYPING = new Set(["checkbox", "radio", "button", "submit", "reset", "image", "file"]);

  function isTyping(element) {
    if (!element || !element.closest) return false;
    if (element.isContentEditable || element.closest("textarea, select")) return true;
    return element.tagName === "INPUT" && !NOT_TYPING.has(element.type);
  }

  let focusTitleAfterSwap = false;

  function page(direction) {
    const link = document.querySelector(`.pager [data-shortcut="${direction}"]`);
    if (!link) {
      announce(direction === "next" ? "This is the last page." : "This is the first page.");
      return;
    }
    focusTitleAfterSwap = true;
    link.click(); // an htmx link: the results swap in place and the URL follows
  }

  function focusFilters() {
    const first = document.querySelector("#filters input:not([type=hidden])");
    const panel = document.querySelector(".filters-panel");
    if (first) {
      first.focus();
    } else if (panel) {
      panel.setAttribute("tabindex", "-1");
      panel.focus();
    }
  }

  function pickFocused() {
    const card = document.activeElement && document.activeElement.closest(CARD);
    if (!card) return;
    const button = card.querySelector(".pick-form button");
    if (button) {
      button.click(); // the toggle posts with htmx; focus stays where it is
    } else {
      const why = card.querySelector(".pick-why");
      announce(why ? why.textContent : "This asset cannot be picked.");
    }
  }

  function openShortcuts() {
    const dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || hasModifier(event)) return;
    if (isTyping(event.target) || dialogOpen()) return;
    const actions = {
      "/": focusFilters,
      "?": openShortcuts,
      "[": () => page("prev"),
      "]": () => page("next"),
      p: pickFocused,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault(); // "/" would open the browser's quick find
    action();
  });

  document.addEventListener("click", (event) => {
    const opener = event.target.closest && event.target.closest("[data-shortcuts-open]");
    if (opener) openShortcuts();
    const dialog = document.getElementById("shortcuts-dialog");
    if (dialog && event.target === dialog) dialog.close(); // a click on the backdrop
  });

  // --- After a swap of the results: what it shows, said once; focus kept in the results ---
  document.addEventListener("htmx:afterSettle", (event) => {
    const results = document.getElementById("results");
    if (!results || event.target !== results) return; // the new #results (see the top)
    if (savedPrefs) applyPrefs(savedPrefs); // a preloaded page may predate a change
    const summary = results.querySelector("[data-summary]");
    const state = results.querySelector(".state:not([role=alert]) h2"); // alerts speak up
    announce(summary ? summary.textContent : state ? state.textContent : "");
    if (focusTitleAfterSwap) {
      focusTitleAfterSwap = false;
      const title = document.getElementById("results-title");
      if (title) title.focus({ preventScroll: true });
    }
  });

  // A Pick (click or "p"): say what happened and how full the board is now. The form is gone by
  // the time the answer is in (its toggle is swapped out of band), so remember it by request.
  const pickRequests = new WeakMap(); // xhr -> the asset id of the toggle that posted

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    const toggle = form.matches && form.matches(".pick-form") && form.closest("[data-pick-toggle]");
    if (toggle) pickRequests.set(event.detail.xhr, toggle.dataset.pickToggle);
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const id = pickRequests.get(event.detail.xhr);
    if (!id || !event.detail.successful) return;
    pickRequests.delete(event.detail.xhr);
    const toggle = document.querySelector(`[data-pick-toggle="${id}"]`);
    if (!toggle) return;
    const label = toggle.querySelector(".pick-button .visually-hidden"); // the asset's name
    const name = label ? label.textContent.trim() : "the asset";
    const picked = toggle.classList.contains("is-picked");
    const board = document.getElementById("tray-title");
    const count = document.querySelector("#tray .tray-count");
    let text = picked ? `Picked ${name}.` : `Took ${name} off the board.`;
    if (board && count) text += ` ${count.textContent.trim()} on ${board.textContent.trim()}.`;
    announce(text);
  });

  // --- Layout, thumbnail size and theme: saved on the server, applied here in place ---
  const ALLOWED = {
    layout: ["grid", "list"],
    thumb_size: ["small", "medium", "large"],
    theme: ["auto", "light", "dark"],
  };

  function applyPrefs(prefs) {
    if (ALLOWED.theme.includes(prefs.theme)) root.dataset.theme = prefs.theme;
    const grid = document.getElementById("asset-grid");
    if (grid && ALLOWED.layout.includes(prefs.layout)) {
      ALLOWED.layout.forEach((value) =>
        grid.classList.toggle("grid--" + value, value === prefs.layout),
      );
    }
    if (grid && ALLOWED.thumb_size.includes(prefs.thumb_size)) {
      ALLOWED.thumb_size.forEach((value) =>
        grid.classList.toggle("thumbs--" + value, value === prefs.thumb_size),
      );
    }
    document.querySelectorAll("[data-prefs-form] button[name]").forEach((button) => {
      if (button.name in ALLOWED) {
        button.setAttribute("aria-pressed", String(prefs[button.name] === button.value));
      }
    });
  }

  // The preferences view answers htmx with 204 and HX-Trigger: {"prefs-saved": {...}}.
  document.addEventListener("prefs-saved", (event) => {
    savedPrefs = {
      layout: event.detail.layout,
      thumb_size: event.detail.thumb_size,
      theme: event.detail.theme,
    };
    applyPrefs(savedPrefs);
  });

  syncRoving();
})();
// --- End of every editor ---------------------------------------------------------------------
