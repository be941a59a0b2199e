// data-module="qr-login": 扫码登录 (江苏智慧人社APP). When its tab panel is first shown, it asks the
// hall for a QR (POST /api/sessions {method: "app_qr"}), draws it, counts its lifetime down, and
// polls with poller.js (RFC 8628's words): scanned → 请在手机上确认; confirmed → the session
// cookie arrives and the page goes to the home page; expired → 二维码已过期 with 刷新二维码;
// cancelled on the phone → a new QR can be asked for the same way. Changes of state are
// announced once in the box's status region (role="status"); the countdown is not live, but its
// last minute and last 30 seconds are announced there once each.

import { api } from "./api.js";
import { startPolling } from "./poller.js";

export function start(box) {
  const image = box.querySelector(".qr-image");
  const overlay = box.querySelector(".qr-overlay");
  const overlayText = box.querySelector(".qr-overlay-text");
  const refresh = box.querySelector(".qr-refresh");
  const countdown = box.querySelector(".qr-countdown");
  const status = box.querySelector(".qr-status");
  const panel = box.closest('[role="tabpanel"]');
  let poller = null;
  let ticker = null;
  let expiresAt = 0;
  let scanned = false;

  function announce(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function showOverlay(text, offerRefresh) {
    overlay.hidden = false;
    overlayText.textContent = text;
    refresh.hidden = !offerRefresh;
    box.classList.toggle("qr-dimmed", true);
  }

  function halt() {
    if (poller) poller.stop();
    poller = null;
    window.clearInterval(ticker);
    ticker = null;
  }

  function end(text, announcement) {
    halt();
    countdown.textContent = "";
    showOverlay(text, true);
    announce(announcement);
  }

  function expired() {
    end("二维码已过期", "二维码已过期，请点击“刷新二维码”获取新的二维码");
  }

  // The countdown itself is not live; the last minute and the last 30 seconds are said once each.
  let warnings = null;

  function tick() {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    countdown.textContent = `二维码有效期剩余 ${left} 秒`;
    if (warnings === null) warnings = [60, 30].filter((at) => at < left);
    if (!scanned && left > 0 && warnings.length && left <= warnings[0]) {
      warnings.shift();
      announce(`二维码将在${left}秒后过期，过期后可点击“刷新二维码”获取新的二维码`);
    }
    if (left <= 0) expired();
  }

  function pending(data) {
    if (typeof data.expires_in === "number") expiresAt = Date.now() + data.expires_in * 1000;
    if (data.scanned && !scanned) {
      scanned = true;
      showOverlay("扫码成功，请在手机上确认", false);
      announce("扫码成功，请在手机上确认登录");
    }
  }

  async function begin() {
    halt();
    scanned = false;
    box.classList.remove("qr-dimmed");
    overlay.hidden = true;
    announce("正在获取二维码");
    const result = await api("POST", "/api/sessions", { method: "app_qr" });
    if (!result.ok || !result.data.flow_id) {
      end(result.data.message || "二维码获取失败", result.data.message || "二维码获取失败，请点击“刷新二维码”重试");
      return;
    }
    const data = result.data;
    image.src = data.qr_image;
    image.hidden = false;
    expiresAt = Date.now() + data.expires_in * 1000;
    warnings = null;
    tick();
    ticker = window.setInterval(tick, 1000);
    announce("二维码已显示，请使用江苏智慧人社APP扫一扫功能扫码登录");
    poller = startPolling({
      url: `/api/login-flows/${encodeURIComponent(data.flow_id)}`,
      body: { method: "app_qr" },
      interval: Number(data.poll_after) || 2,
      onPending: pending,
      onExpired: expired,
      onDenied: () => end("已在手机上取消登录", "已在手机上取消登录，可点击“刷新二维码”重新扫码"),
      onApproved: (approved) => {
        halt();
        announce("登录成功，正在进入首页");
        // An account without a phone binds one first (the answer's next: /user/phone).
        window.location.assign(approved && approved.next === "/user/phone" ? approved.next : "/");
      },
      onError: (error) => end(error.message || "登录已失效", `${error.message || "登录已失效"}，可点击“刷新二维码”重试`),
    });
  }

  refresh.addEventListener("click", () => {
    image.focus();
    begin();
  });
  image.tabIndex = -1; // where focus goes after 刷新二维码 (the button disappears)

  if (!panel || !panel.hidden) {
    begin();
    return;
  }
  // Ask for a QR only when the citizen opens 扫码登录: each QR is a record and a poll loop.
  const observer = new MutationObserver(() => {
    if (panel.hidden) return;
    observer.disconnect();
    begin();
  });
  observer.observe(panel, { attributes: true, attributeFilter: ["hidden"] });
}
