// data-module="account-security" on the 账号安全 page: 退出其他设备 ([data-revoke-others]) ends every
// other session of the account (DELETE /api/sessions/others) and says how many in the page's status
// region (#security-status, role="status"), which takes focus; after a change the page was reloaded
// for, the status it shows ([data-focus-on-load]) takes focus so the result is heard first.

import { api } from "./api.js";

function say(status, text) {
  status.textContent = "";
  // Cleared first, then written: a repeated result is announced again.
  window.setTimeout(() => {
    status.textContent = text;
    status.focus();
  }, 30);
}

export function start(root) {
  const status = root.querySelector("#security-status");
  if (!status) return;
  if (status.hasAttribute("data-focus-on-load") && status.textContent.trim()) status.focus();
  const button = root.querySelector("[data-revoke-others]");
  if (!button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const result = await api("DELETE", "/api/sessions/others");
      say(status, result.data.message || (result.ok ? "已退出其他设备" : "操作失败，请稍后再试"));
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
}
