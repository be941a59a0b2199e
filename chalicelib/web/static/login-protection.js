// data-module="login-protection" on the 登录保护 page. Each form (.protection-form) posts its fields to
// its data-action with the account's password (the graphic captcha asked first when the hall wants it);
// data-done says what comes next: "qr" shows the authenticator's QR and secret (第2步), "codes" shows the
// ten recovery codes once, "off" reloads the page. Each change moves focus to what changed and says it
// in the page's status region.

import { api } from "./api.js";
import { askCaptcha } from "./captcha-dialog.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function fields(form) {
  const body = {};
  for (const el of form.elements) {
    if (el.name) body[el.name] = el.type === "password" ? el.value : el.value.trim();
  }
  return body;
}

async function post(form, extra = {}) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await api("POST", form.dataset.action, { ...fields(form), ...extra });
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function say(status, text) {
  status.textContent = "";
  window.setTimeout(() => {
    status.textContent = text;
  }, 30);
}

export function start(root) {
  const status = root.querySelector("#protection-status");
  const binding = root.querySelector("#totp-binding");
  const codes = root.querySelector("#recovery-codes");

  function showCodes(data) {
    const list = codes.querySelector("#codes-list");
    list.replaceChildren(
      ...data.recovery_codes.map((code) => {
        const item = document.createElement("li");
        const text = document.createElement("code");
        text.textContent = code;
        item.append(text);
        return item;
      }),
    );
    for (const form of root.querySelectorAll(".protection-form")) form.closest("section").hidden = true;
    codes.hidden = false;
    say(status, `登录保护已开启：${data.factor_label}`);
    codes.querySelector("#codes-title").focus();
  }

  function done(form, result) {
    if (!result.ok) {
      if (result.data.code === "captcha_required") {
        clearErrors(form);
        askCaptcha({
          focusAfter: form.querySelector('button[type="submit"]'),
          submit: (captchaId, answer) => post(form, { captcha_id: captchaId, captcha_answer: answer }),
          done: (again) => done(form, again),
        });
        return;
      }
      showErrors(form, result.data);
      return;
    }
    const next = form.dataset.done;
    if (next === "qr") {
      binding.querySelector("#totp-qr").src = result.data.qr;
      binding.querySelector("#totp-secret").textContent = result.data.secret;
      form.hidden = true;
      binding.hidden = false;
      say(status, "请使用身份验证器APP扫描二维码，并在10分钟内输入动态验证码");
      binding.querySelector("#totp-scan-title").focus();
    } else if (next === "codes") {
      showCodes(result.data);
    } else {
      window.location.assign("/user/login-protection");
    }
  }

  for (const form of root.querySelectorAll(".protection-form")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      done(form, await post(form));
    });
    clearErrorsOnInput(form);
  }
}
