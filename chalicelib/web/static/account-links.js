// data-module="account-links" on 账号绑定 (/user/links): each 解除绑定 button asks to confirm, then
// unties its provider (DELETE /api/account/links/<provider>). The table is redrawn from the answer
// (the last way to log in can no longer be untied), the live status says what happened and takes
// focus, so a keyboard or screen-reader user hears the result where the button was. A 去绑定
// button begins the provider's login for this account (POST /api/account/links/<provider>) and
// follows the answer's location to the provider's page; the provider sends the browser back here.

import { api } from "./api.js";

function redraw(section, rows) {
  for (const row of rows) {
    const tr = section.querySelector(`tr[data-provider="${row.provider}"]`);
    if (!tr) continue;
    tr.querySelector(".link-state").textContent = row.linked ? "已绑定" : "未绑定";
    tr.querySelector(".link-date").textContent = row.linked_on || "—";
    const action = tr.querySelector(".link-action");
    const button = action.querySelector("button.unlink");
    if (row.linked && row.may_unlink && button) continue;
    action.textContent = "";
    const note = document.createElement("span");
    if (row.linked) {
      note.className = "notice";
      note.textContent = "唯一登录方式，不能解除";
    } else if (row.may_bind) {
      const bind = document.createElement("button");
      bind.type = "button";
      bind.className = "link-button bind";
      bind.dataset.provider = row.provider;
      bind.dataset.label = row.label;
      bind.textContent = "去绑定";
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = row.label;
      bind.append(hidden);
      action.append(bind);
      continue;
    } else {
      note.textContent = `使用${row.label}扫码登录即可绑定`;
    }
    action.append(note);
  }
}

export function start(section) {
  const status = section.querySelector(".links-status");
  status.tabIndex = -1;
  section.addEventListener("click", async (event) => {
    const binding = event.target.closest("button.bind");
    if (binding) {
      binding.disabled = true;
      status.textContent = `正在前往${binding.dataset.label}授权页面`;
      const started = await api("POST", `/api/account/links/${encodeURIComponent(binding.dataset.provider)}`, {});
      if (started.ok && started.data.location) {
        window.location.assign(started.data.location);
        return;
      }
      binding.disabled = false;
      status.textContent = started.data.message || "暂时无法绑定，请稍后再试";
      status.focus();
      return;
    }
    const button = event.target.closest("button.unlink");
    if (!button) return;
    const label = button.dataset.label;
    if (!window.confirm(`确定解除${label}账号绑定吗？解除后将不能使用${label}直接登录。`)) return;
    button.disabled = true;
    const result = await api("DELETE", `/api/account/links/${encodeURIComponent(button.dataset.provider)}`);
    if (result.ok) {
      redraw(section, result.data.links);
      status.textContent = `已解除${label}账号绑定。`;
    } else {
      button.disabled = false;
      status.textContent = result.data.message || "解除绑定失败，请稍后再试";
      if (result.data.links) redraw(section, result.data.links);
    }
    status.focus();
  });
}
