// data-module="dev-essc" (dev stage only, /essc/<id>?c=<code>): this browser plays the national
// 电子社保卡 platform. 授权登录 asks the dev route to sign the platform's callback for the chosen
// citizen and send it to the hall's callback route; the answer is shown.

import { api } from "./api.js";

export function start(form) {
  const status = form.querySelector(".dev-app-status");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=id_number]:checked");
    button.disabled = true;
    const result = await api("POST", "/dev/essc/authorize", {
      qr_id: form.dataset.qrId,
      code: form.dataset.code,
      id_number: chosen ? chosen.value : "",
    });
    if (result.ok) {
      status.textContent = "授权成功，请返回电脑查看";
    } else {
      status.textContent = result.data.message || "授权失败";
      button.disabled = false;
    }
  });
}
