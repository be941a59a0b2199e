// data-module="essc-login": 电子社保卡扫码登录. Asks the hall for a QR (POST /api/sessions
// {method: "essc_qr"}), draws it and polls with poller.js (RFC 8628's words). The QR's code
// changes every minute: each poll sends the step the page shows, and a poll answering a new
// step carries the new QR, which is drawn in place (no reload). Confirmed by the e-SSC platform →
// the session cookie arrives and the page goes to the home page; link_required → on to the link
// step's page (账号关联: prove the account, or give a phone for a new one); expired → 刷新二维码.

import { api } from "./api.js";
import { startPolling } from "./poller.js";

export function start(box) {
  const image = box.querySelector(".qr-image");
  const overlay = box.querySelector(".qr-overlay");
  const overlayText = box.querySelector(".qr-overlay-text");
  const refresh = box.querySelector(".qr-refresh");
  const status = box.querySelector(".qr-status");
  const linkRequired = box.querySelector(".essc-link-required");
  const body = { method: "essc_qr", step: null };
  let poller = null;

  function announce(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function end(text, offerRefresh = true) {
    if (poller) poller.stop();
    poller = null;
    overlay.hidden = false;
    overlayText.textContent = text;
    refresh.hidden = !offerRefresh;
    box.classList.add("qr-dimmed");
    announce(text);
  }

  function draw(data) {
    if (data.qr_image) {
      image.src = data.qr_image;
      image.hidden = false;
      body.step = data.qr_step;
    }
  }

  async function begin() {
    if (poller) poller.stop();
    box.classList.remove("qr-dimmed");
    overlay.hidden = true;
    linkRequired.hidden = true;
    announce("正在获取二维码");
    const result = await api("POST", "/api/sessions", { method: "essc_qr" });
    if (!result.ok || !result.data.flow_id) {
      end(result.data.message || "二维码获取失败");
      return;
    }
    draw(result.data);
    announce("二维码已显示，请使用电子社保卡扫一扫功能扫码");
    poller = startPolling({
      url: `/api/login-flows/${encodeURIComponent(result.data.flow_id)}`,
      body,
      interval: Number(result.data.poll_after) || 2,
      onPending: draw,
      onExpired: () => end("二维码已过期"),
      onDenied: () => end("已取消登录"),
      onApproved: (data) => {
        if (data.status === "link_required") {
          end("请完成账号关联", false);
          linkRequired.hidden = false;
          window.location.assign(data.link_url);
          return;
        }
        announce("登录成功，正在进入首页");
        // An account without a phone binds one first (the answer's next: /user/phone).
        window.location.assign(data.next === "/user/phone" ? data.next : "/");
      },
      onError: (error) => end(error.message || "登录已失效"),
    });
  }

  refresh.addEventListener("click", () => {
    image.focus();
    begin();
  });
  image.tabIndex = -1;
  begin();
}
