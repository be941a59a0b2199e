// data-module="session-timeout" on a logged-in page (base.html): the session ends after 30
// minutes without use (sessions.py), so a minute before, a dialog says so and offers 继续使用
// (WCAG 2.2.1, timing adjustable). 继续使用 uses the session (GET /api/me slides its idle expiry
// and answers the new session_expires_in), closes the dialog and gives focus back to where it
// was. Left alone, the dialog says 登录已超时 and offers 重新登录 (back to this page after).
// The seconds inside the dialog count down silently; the screen reader hears the dialog when it
// opens, and the status region at 30 and 10 seconds, when time is up and when the session is
// extended.

import { api } from "./api.js";

const WARN_BEFORE = 60; // seconds
const ANNOUNCE_AT = [30, 10]; // seconds left, said once each

export function start(root) {
  const dialog = root.querySelector("dialog");
  const seconds = root.querySelector(".session-seconds");
  const status = root.querySelector(".session-status");
  const title = root.querySelector("#session-dialog-title");
  const text = root.querySelector("#session-dialog-text");
  const choices = root.querySelector(".actions:not(.session-ended)");
  const ended = root.querySelector(".session-ended");
  const continueButton = root.querySelector(".session-continue");
  const relogin = root.querySelector(".session-relogin");
  if (!dialog || !continueButton) return;
  relogin.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;

  let deadline = 0; // Date.now() when the session ends if left idle
  let absoluteDeadline = Date.now() + Number(root.dataset.absoluteIn || 0) * 1000;
  let warnTimer = 0;
  let tickTimer = 0;
  let returnFocus = null;
  let announce = [];

  const left = () => Math.max(0, Math.round((deadline - Date.now()) / 1000));
  const say = (message) => {
    status.textContent = "";
    window.setTimeout(() => (status.textContent = message), 50);
  };

  function schedule(expiresIn) {
    window.clearTimeout(warnTimer);
    window.clearInterval(tickTimer);
    deadline = Math.min(Date.now() + expiresIn * 1000, absoluteDeadline);
    warnTimer = window.setTimeout(warn, Math.max(0, deadline - Date.now() - WARN_BEFORE * 1000));
  }

  function warn() {
    seconds.textContent = String(left());
    announce = ANNOUNCE_AT.filter((at) => at < left());
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
      continueButton.focus();
    }
    tickTimer = window.setInterval(tick, 1000);
  }

  function tick() {
    const now = left();
    seconds.textContent = String(now);
    if (announce.length && now <= announce[0] && now > 0) {
      announce.shift();
      say(`登录将在${now}秒后超时`);
    }
    if (now <= 0) expire();
  }

  function expire() {
    window.clearInterval(tickTimer);
    title.textContent = "登录已超时";
    text.textContent = "由于长时间未操作，您的登录已超时。请重新登录后继续办理。";
    choices.hidden = true;
    ended.hidden = false;
    relogin.focus();
    say("登录已超时，请重新登录");
  }

  continueButton.addEventListener("click", async () => {
    continueButton.disabled = true;
    const result = await api("GET", "/api/me");
    continueButton.disabled = false;
    if (!result.ok) {
      expire();
      return;
    }
    dialog.close();
    schedule(Number(result.data.session_expires_in) || 0);
    say("已延长登录时间，您可以继续办理");
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  });
  // Escape is someone still here: it does what 继续使用 does (a closed dialog must not leave the
  // session to end unannounced); once the session has ended the dialog stays.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (ended.hidden) continueButton.click();
  });

  schedule(Number(root.dataset.expiresIn || 0));
}
