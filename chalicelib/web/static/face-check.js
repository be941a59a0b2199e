// data-module="face-check": 人脸识别 inside a host page (templates/_face_check.html). The host's
// script, once its API answered with `face`, dispatches
//   element.dispatchEvent(new CustomEvent("face-check:start", {detail: face}))
// and this module hides the consent, draws the QR, polls POST /api/face-checks/{face_id} with
// poller.js (RFC 8628's words), announces each state in the live region and moves focus to what
// changed. It dispatches "face-check:passed" ({face_id}) once the provider reported a pass, or
// "face-check:failed" ({reason: "expired" | "denied" | "error", message}); after a failure the
// consent is shown again so the host can start a new check.

import { startPolling } from "./poller.js";

export function start(box) {
  const consent = box.querySelector(".face-consent");
  const region = box.querySelector(".face-qr");
  const heading = region.querySelector("h2");
  const image = region.querySelector(".qr-image");
  const status = region.querySelector(".qr-status");
  let poller = null;

  function announce(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function emit(name, detail) {
    box.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
  }

  function fail(reason, message) {
    poller = null;
    image.hidden = true;
    consent.hidden = false;
    announce(message);
    status.focus();
    emit("face-check:failed", { reason, message });
  }

  box.addEventListener("face-check:start", (event) => {
    const view = event.detail || {};
    if (poller) poller.stop();
    consent.hidden = true;
    region.hidden = false;
    image.src = view.qr_image;
    image.hidden = false;
    announce("二维码已显示，请使用支付宝APP或江苏智慧人社APP扫码，完成人脸识别");
    heading.focus();
    poller = startPolling({
      url: `/api/face-checks/${encodeURIComponent(view.face_id)}`,
      interval: Number(view.poll_after) || 2,
      onApproved: () => {
        poller = null;
        image.hidden = true;
        announce("人脸识别通过");
        status.focus();
        emit("face-check:passed", { face_id: view.face_id });
      },
      onExpired: () => fail("expired", "二维码已过期，请重新进行人脸识别"),
      onDenied: (data) => fail("denied", data.message || "人脸识别未通过，请重新进行人脸识别"),
      onError: (data) => fail("error", data.message || "人脸识别已失效，请重新进行人脸识别"),
    });
  });
}
