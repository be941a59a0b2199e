// data-module="recovery" on the 忘记密码找回 page (templates/recover.html): the manual's four steps,
// one shown at a time. 填写账号 asks for the graphic captcha, then POST /api/recoveries; the second
// step is 人脸识别 (the face-check component inside it: consent, QR, polling) or 短信验证 (移动电话 +
// 短信验证码; the sms-code button posts to the recovery's own sms-codes route), with 切换 either
// way; 设置新密码 posts the password; 完成修改 offers 立即登录. The step indicator marks the current
// step (aria-current="step", and the step said in text), and focus moves to that text.
// The recovery itself is named by an HttpOnly cookie the hall sets: nothing here holds it.

import { api } from "./api.js";
import { askCaptcha } from "./captcha-dialog.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

const ORDER = ["account", "verify", "password", "done"];
const WAYS = { face: "人脸识别", sms: "短信验证" };
// Refusals that mean the recovery is gone for this browser: start again at 填写账号.
const START_AGAIN = new Set(["recovery_expired", "recovery_other_browser"]);

function formBody(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "checkbox" || el.type === "button" || el.type === "submit") continue;
    body[el.name] = el.type === "password" ? el.value : el.value.trim();
  }
  return body;
}

async function busy(form, call) {
  const button = form.querySelector('button[type="submit"]');
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await call();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

export function start(root) {
  const steps = [...root.querySelectorAll(".steps .step")];
  const stepNow = root.querySelector(".step-now");
  const verifyLabel = root.querySelector(".verify-label");
  const accountForm = root.querySelector("#recover-account-form");
  const faceForm = root.querySelector("#recover-face-form");
  const faceBox = faceForm.querySelector('[data-module~="face-check"]');
  const faceStart = faceForm.querySelector(".face-start");
  const smsForm = root.querySelector("#recover-sms-form");
  const passwordForm = root.querySelector("#recover-password-form");
  let way = "face";

  function label(step) {
    return step === "verify" ? WAYS[way] : steps[ORDER.indexOf(step)].textContent.replace("●", "").trim();
  }

  function show(step) {
    const at = ORDER.indexOf(step);
    verifyLabel.textContent = WAYS[way];
    steps.forEach((item, index) => {
      item.classList.toggle("done", index < at);
      item.classList.toggle("current", index === at);
      if (index === at) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    for (const panel of root.querySelectorAll(".recover-step")) {
      panel.hidden = panel.dataset.step !== step || (panel.dataset.way !== undefined && panel.dataset.way !== way);
    }
    stepNow.textContent = `当前步骤：第${at + 1}步（共${ORDER.length}步）${label(step)}`;
    stepNow.focus();
  }

  function refused(form, data) {
    if (START_AGAIN.has(data.code)) {
      show("account");
      showErrors(accountForm, { message: data.message });
      return;
    }
    showErrors(form, data);
  }

  // 1. 填写账号: the captcha first, then the account's details.
  accountForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(accountForm);
    askCaptcha({
      focusAfter: accountForm.querySelector('button[type="submit"]'),
      submit: (captchaId, answer) =>
        busy(accountForm, () =>
          api("POST", "/api/recoveries", { ...formBody(accountForm), captcha_id: captchaId, captcha_answer: answer }),
        ),
      done: (result) => {
        if (result.ok) show("verify");
        else showErrors(accountForm, result.data);
      },
    });
  });

  // 2. 切换 between 人脸识别 and 短信验证.
  for (const button of root.querySelectorAll("[data-switch]")) {
    button.addEventListener("click", () => {
      way = button.dataset.switch;
      show("verify");
    });
  }

  // 2. 人脸识别: consent, then the QR (the face-check component polls and reports back).
  faceForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(faceForm);
    const consent = faceForm.querySelector('[name="face_consent"]');
    const result = await busy(faceForm, () =>
      api("POST", "/api/recoveries/current/face-checks", { face_consent: Boolean(consent && consent.checked) }),
    );
    if (!result.ok || !result.data.face) {
      refused(faceForm, result.data);
      return;
    }
    faceStart.hidden = true;
    faceBox.dispatchEvent(new CustomEvent("face-check:start", { detail: result.data.face }));
  });
  faceBox.addEventListener("face-check:passed", async (event) => {
    const result = await api("POST", "/api/recoveries/current/face-verification", { face_id: event.detail.face_id });
    faceStart.hidden = false;
    if (result.ok) show("password");
    else refused(faceForm, result.data);
  });
  faceBox.addEventListener("face-check:failed", () => {
    faceStart.hidden = false;
  });

  // 2. 短信验证: the bound phone and the code sent to it.
  smsForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(smsForm);
    const result = await busy(smsForm, () =>
      api("POST", "/api/recoveries/current/sms-verification", formBody(smsForm)),
    );
    if (result.ok) show("password");
    else refused(smsForm, result.data);
  });

  // 3. 设置新密码, then 4. 完成修改.
  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(passwordForm);
    const result = await busy(passwordForm, () =>
      api("POST", "/api/recoveries/current/password", formBody(passwordForm)),
    );
    if (result.ok) show("done");
    else refused(passwordForm, result.data);
  });

  for (const form of [accountForm, faceForm, smsForm, passwordForm]) clearErrorsOnInput(form);
}
