// data-module="dev-app-qr" (dev stage only, /qr/<id>): this browser plays 江苏智慧人社APP. It scans
// the QR (the request's time, address and browser are shown), then 确认登录 or 取消; each is the
// app API's call, relayed by the dev page with the app's bearer token (kept server-side).

import { api } from "./api.js";

export function start(root) {
  const id = encodeURIComponent(root.dataset.qrId);
  const details = root.querySelector(".dev-app-request");
  const status = root.querySelector(".dev-app-status");
  const buttons = Array.from(root.querySelectorAll("button[data-action]"));

  function say(text) {
    status.textContent = text;
  }

  async function call(action) {
    return api("POST", `/dev/app/qr-logins/${id}/${action}`, {});
  }

  async function scan() {
    const result = await call("scan");
    if (!result.ok) {
      say(result.data.message);
      return;
    }
    const request = result.data.qr_login;
    for (const cell of details.querySelectorAll("[data-field]")) {
      const value = request[cell.dataset.field] || "";
      cell.textContent = cell.dataset.field === "requested_at" ? value.replace("T", " ").slice(0, 19) : value;
    }
    details.hidden = false;
    say("请确认是否是您本人在网办大厅扫码登录");
    for (const button of buttons) button.disabled = false;
  }

  for (const button of buttons) {
    button.addEventListener("click", async () => {
      for (const b of buttons) b.disabled = true;
      const result = await call(button.dataset.action);
      if (!result.ok) say(result.data.message);
      else if (button.dataset.action === "confirm") say("已确认登录，请在电脑上继续操作");
      else say("已取消登录");
    });
  }

  scan();
}
