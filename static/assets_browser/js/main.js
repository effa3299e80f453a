// Argil Asset Browser: the little behaviour htmx does not cover, one module a feature. No inline
// scripts anywhere (CSP). Loaded as a module through {% static %}: the manifest storage rewrites
// the relative paths below to the hashed files.
import "./preload.js";
import "./results.js";
import "./preview.js";
import "./hover-preview.js";
import "./status.js";
import "./add-broll.js";
import "./tray.js";
import "./picks.js";
import "./clipboard.js";
import "./keyboard.js";
import "./drag.js";
import "./filters.js";
import "./select.js";

document.documentElement.classList.add("js");
