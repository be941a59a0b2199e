// data-module="data-rights": 个人信息导出 and 注销账号. The form proves the citizen again
// (登录密码, or 短信验证码 to the bound phone) for data-purpose; the proof it gets back is spent
// at once: "export" downloads the JSON file, "cancel" requests 注销 and reloads the page, which
// then shows the cooling-off date. A button with data-withdraw (撤销注销) withdraws it.

import { api, csrfToken, NETWORK_FAILED, SERVICE_UNAVAILABLE } from "./api.js";
import { askCaptcha } from "./captcha-dialog.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function announce(root, text) {
  const status = root.querySelector("[data-rights-status]");
  if (!status) return;
  status.textContent = text;
  status.focus();
}

function formBody(form) {
  const body = { purpose: form.dataset.purpose };
  for (const el of form.elements) {
    if (!el.name || el.type === "checkbox") continue;
    body[el.name] = el.type === "password" ? el.value : el.value.trim();
  }
  return body;
}

// The export answers a file: read it as a Blob and hand it to the browser as a download.
async function download(proof) {
  let response;
  try {
    response = await fetch("/api/account/data-export", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ proof }),
    });
  } catch {
    return { ok: false, data: { message: NETWORK_FAILED } };
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: false, data: data && data.message ? data : { message: SERVICE_UNAVAILABLE } };
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = disposition.match(/filename="([^"]+)"/);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = match ? match[1] : "personal-data.json";
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { ok: true };
}

async function useProof(root, form, proof) {
  if (form.dataset.purpose === "export") {
    const result = await download(proof);
    if (!result.ok) {
      showErrors(form, result.data);
      return;
    }
    form.reset();
    announce(root, "个人信息已导出，文件已开始下载。请妥善保管，文件中含有您的证件号码和移动电话。");
    return;
  }
  const result = await api("POST", "/api/account/cancellation", { proof });
  if (!result.ok) {
    showErrors(form, result.data);
    return;
  }
  window.location.assign("/user/cancellation?done=requested");
}

async function reauth(form, extra = {}) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await api("POST", "/api/account/reauth", { ...formBody(form), ...extra });
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

async function afterReauth(root, form, result) {
  if (result.ok) {
    clearErrors(form);
    await useProof(root, form, result.data.proof);
    return;
  }
  if (result.data.captcha_required) form.dataset.captcha = "required";
  if (result.data.code === "captcha_required") {
    form.dataset.captcha = "required";
    clearErrors(form);
    withCaptcha(root, form);
    return;
  }
  showErrors(form, result.data);
}

function confirmed(form) {
  const confirm = form.querySelector('input[type="checkbox"][data-confirm]');
  if (confirm && !confirm.checked) {
    showErrors(form, { fields: { confirm: "请阅读并确认注销账号的后果" } });
    return false;
  }
  return true;
}

function withCaptcha(root, form) {
  askCaptcha({
    focusAfter: form.querySelector('button[type="submit"]'),
    submit: (captchaId, answer) => reauth(form, { captcha_id: captchaId, captcha_answer: answer }),
    done: (result) => afterReauth(root, form, result),
  });
}

export function start(root) {
  const status = root.querySelector("[data-rights-status][data-focus-on-load]");
  if (status) status.focus();
  const form = root.querySelector("form[data-purpose]");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!confirmed(form)) return;
      if (form.dataset.captcha === "required") withCaptcha(root, form);
      else reauth(form).then((result) => afterReauth(root, form, result));
    });
    clearErrorsOnInput(form);
  }
  const withdraw = root.querySelector("[data-withdraw]");
  if (withdraw) {
    withdraw.addEventListener("click", async () => {
      withdraw.disabled = true;
      const result = await api("DELETE", "/api/account/cancellation");
      withdraw.disabled = false;
      if (result.ok) {
        window.location.assign("/user/cancellation?done=withdrawn");
        return;
      }
      announce(root, result.data.message);
    });
  }
}
