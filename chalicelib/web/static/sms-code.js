// data-module="sms-code" on a 获取验证码 button: checks the mobile number (the input whose id is
// data-phone-field), asks for the captcha, then sends the code for data-purpose. Once sent, the
// form's .code-sent status says where the code went and for how long it is valid, focus moves to
// the code input, and the button counts down ("59秒后重新获取") before a resend is possible.
// Without data-phone-field the code goes to a phone the hall already knows (the account's, in
// 账号关联): the button posts only the captcha to its data-api.

import { api } from "./api.js";
import { askCaptcha } from "./captcha-dialog.js";
import { clearErrors, showErrors } from "./field-errors.js";
import { phoneError } from "./phone.js";

const RESEND_AGAIN = "如未收到，现在可以重新获取验证码。";

// The button's countdown is not announced each second; the form's status (role="status") says
// once when a new code can be asked for.
function countdown(button, seconds, status) {
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.disabled = true;
  button.textContent = `${seconds}秒后重新获取`;
  const timer = window.setInterval(() => {
    seconds -= 1;
    if (seconds <= 0) {
      window.clearInterval(timer);
      button.disabled = false;
      button.textContent = label;
      if (status && status.textContent && !status.textContent.includes(RESEND_AGAIN)) {
        status.textContent = `${status.textContent}${RESEND_AGAIN}`;
      }
    } else {
      button.textContent = `${seconds}秒后重新获取`;
    }
  }, 1000);
}

function sent(form, button, data) {
  const status = form.querySelector(".code-sent");
  countdown(button, data.resend_after || 60, status);
  if (status) {
    const minutes = Math.round((data.expires_in || 300) / 60);
    status.textContent = `短信验证码已发送至${data.phone_masked || "您的手机"}，${minutes}分钟内有效。`;
  }
  form.querySelector('[name="sms_code"]')?.focus();
}

export function start(button) {
  button.addEventListener("click", () => {
    const form = button.closest("form");
    const phone = button.dataset.phoneField ? document.getElementById(button.dataset.phoneField) : null;
    const problem = phone ? phoneError(phone.value) : null;
    if (problem) {
      showErrors(form, { fields: { phone: problem } });
      return;
    }
    clearErrors(form);
    const target = phone ? { phone: phone.value.trim(), purpose: button.dataset.purpose } : {};
    askCaptcha({
      focusAfter: button,
      submit: (captchaId, answer) =>
        api("POST", button.dataset.api || "/api/sms-codes", {
          ...target,
          captcha_id: captchaId,
          captcha_answer: answer,
        }),
      done: (result) => {
        if (result.ok) {
          sent(form, button, result.data);
          return;
        }
        const status = form.querySelector(".code-sent");
        if (status) status.textContent = "";
        showErrors(form, result.data);
      },
    });
  });
}
