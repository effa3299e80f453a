// Hover preview: a muted, looping clip over a video card's thumbnail after a short hover (not
// with "reduce motion", not on touch). Nothing loads until then: the <video> is created here and
// removed when the pointer leaves.

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
