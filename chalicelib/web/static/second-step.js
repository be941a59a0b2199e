// data-module="second-step" on the login page: 登录保护's second step. When the password form's answer
// asks for it (api-form.js dispatches "second-step"), the password form is hidden and this section
// shown, its heading focused; the ways the hall offers (短信验证码, 身份验证器动态码, 使用恢复码) are
// radio buttons. 获取验证码 sends the SMS code to the bound phone; 验证并登录 posts the code to
// /api/login-steps/<id> (the step is bound to this browser by an HttpOnly cookie).

import { api } from "./api.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

const WAYS = {
  sms_code: { label: "短信验证码", placeholder: "请输入短信验证码", inputmode: "numeric", maxlength: 6 },
  totp: { label: "动态验证码", placeholder: "请输入身份验证器APP显示的6位数字", inputmode: "numeric", maxlength: 6 },
  recovery_code: { label: "恢复码", placeholder: "请输入一个未使用过的恢复码", inputmode: "text", maxlength: 20 },
};

function why(detail) {
  const phone = detail.phone_masked ? `（${detail.phone_masked}）` : "";
  if (detail.reason === "step_up") {
    return `您的账户近期被锁定或找回过密码，且本设备首次登录。为保障账户安全，请输入发送至绑定移动电话${phone}的短信验证码。`;
  }
  return "您已开启登录保护，请完成第二步验证后登录。";
}

export function start(section) {
  const form = section.querySelector("#second-step-form");
  const input = section.querySelector("#second-step-code");
  const label = section.querySelector("#second-step-code-label");
  const send = section.querySelector("#second-step-send");
  const sent = section.querySelector("#second-step-sent");
  const heading = section.querySelector("#second-step-title");
  let step = null;
  let timer = null;

  function chosenWay() {
    const checked = form.querySelector('input[name="way"]:checked');
    return checked ? checked.value : null;
  }

  function showWay(way) {
    const spec = WAYS[way];
    label.textContent = spec.label;
    input.placeholder = spec.placeholder;
    input.inputMode = spec.inputmode;
    input.maxLength = spec.maxlength;
    input.value = "";
    send.hidden = way !== "sms_code";
    clearErrors(form);
  }

  document.addEventListener("second-step", (event) => {
    step = event.detail;
    const passwordForm = event.target.closest("form");
    if (passwordForm) passwordForm.hidden = true;
    section.querySelector("#second-step-why").textContent = why(step);
    let first = null;
    for (const option of section.querySelectorAll("[data-way]")) {
      const offered = step.ways.includes(option.dataset.way);
      option.hidden = !offered;
      option.querySelector("input").checked = false;
      if (offered && !first) first = option.querySelector("input");
    }
    first.checked = true;
    showWay(first.value);
    section.hidden = false;
    heading.focus();
  });

  form.addEventListener("change", (event) => {
    if (event.target.name === "way") showWay(event.target.value);
  });

  send.addEventListener("click", async () => {
    if (!step) return;
    send.disabled = true;
    const result = await api("POST", `/api/login-steps/${encodeURIComponent(step.flow_id)}/sms-codes`, {});
    if (!result.ok) {
      send.disabled = false;
      showErrors(form, result.data);
      return;
    }
    sent.textContent = `验证码已发送至${result.data.phone_masked}，${Math.round(result.data.expires_in / 60)}分钟内有效`;
    let left = result.data.resend_after;
    send.textContent = `${left}秒后重新获取`;
    window.clearInterval(timer);
    timer = window.setInterval(() => {
      left -= 1;
      if (left > 0) {
        send.textContent = `${left}秒后重新获取`;
        return;
      }
      window.clearInterval(timer);
      send.textContent = "重新获取验证码";
      send.disabled = false;
    }, 1000);
    input.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!step) return;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    let result;
    try {
      result = await api("POST", `/api/login-steps/${encodeURIComponent(step.flow_id)}`, {
        way: chosenWay(),
        code: input.value.trim(),
      });
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    if (result.ok) {
      const next = typeof result.data.next === "string" && /^\/(?!\/)/.test(result.data.next) ? result.data.next : null;
      window.location.assign(next || section.dataset.redirect || "/");
      return;
    }
    showErrors(form, result.data);
  });
  clearErrorsOnInput(form);
}
