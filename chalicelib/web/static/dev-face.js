// data-module="dev-face" (dev stage only, /face/<id>): this browser plays the face-verification
// provider. 通过 or 不通过 asks the dev route to sign the provider's callback with the local test key
// and send it to the hall's callback route; the answer is shown.

import { api } from "./api.js";

export function start(box) {
  const status = box.querySelector(".dev-app-status");
  const buttons = box.querySelectorAll("button[data-result]");
  for (const button of buttons) {
    button.addEventListener("click", async () => {
      buttons.forEach((b) => { b.disabled = true; });
      const result = await api("POST", `/dev/face/${encodeURIComponent(box.dataset.faceId)}/result`, {
        result: button.dataset.result,
      });
      if (result.ok) {
        status.textContent = result.data.state === "passed" ? "人脸识别通过，请返回电脑继续办理" : "人脸识别未通过，请返回电脑查看";
      } else {
        status.textContent = result.data.message || "提交失败";
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }
}
