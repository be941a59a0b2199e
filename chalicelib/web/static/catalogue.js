// data-module="favourite" on a service card's 收藏 button (aria-pressed): adds the service to the
// citizen's favourites (PUT /api/favourites/<code>) or removes it (DELETE), both idempotent, and
// says what happened in the page's status region (data-favourite-status). Focus stays on the
// button, whose pressed state is what changed.

import { api } from "./api.js";

function statusRegion(button) {
  return document.querySelector("[data-favourite-status]");
}

function announce(button, text) {
  const region = statusRegion(button);
  if (region) region.textContent = text;
}

export function start(button) {
  let busy = false;
  button.addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    button.setAttribute("aria-busy", "true");
    const pressed = button.getAttribute("aria-pressed") === "true";
    const url = `/api/favourites/${encodeURIComponent(button.dataset.code)}`;
    const reply = await api(pressed ? "DELETE" : "PUT", url);
    if (reply.ok) {
      button.setAttribute("aria-pressed", reply.data.favourite ? "true" : "false");
      // Every other card of the same service on the page shows the same state.
      for (const other of document.querySelectorAll(`button.favourite[data-code="${CSS.escape(button.dataset.code)}"]`)) {
        other.setAttribute("aria-pressed", reply.data.favourite ? "true" : "false");
      }
    }
    announce(button, reply.data.message || "");
    button.removeAttribute("aria-busy");
    busy = false;
  });
}
