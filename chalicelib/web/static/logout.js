// data-module="logout" on the 退出登录 button: ends the session (DELETE /api/sessions/current)
// and goes to the hall's home page.

import { api } from "./api.js";

export function start(button) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    await api("DELETE", "/api/sessions/current");
    window.location.assign("/");
  });
}
