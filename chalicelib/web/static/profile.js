// The 基本信息 page (templates/user/profile.html).
// data-module="profile-face": 人脸认证 for a 实名用户. 开始人脸认证 sends the consent to
// POST /api/profile/face-checks; when the hall answers with `face`, the face-check component
// (face-check.js, inside the form) shows the QR and polls. Once it reports a pass, this module
// asks POST /api/profile/face-checks/{face_id}/complete to raise the account to 实人用户 and
// opens the page again, which says so. A refusal shows in the form's alert or by the consent.
// data-module="focus-on-load": the page's outcome message takes focus, so it is read first.

import { api } from "./api.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

export function startFace(form) {
  const box = form.querySelector('[data-module~="face-check"]');
  const button = form.querySelector("[data-start-face]");
  const consent = form.querySelector('input[name="face_consent"]');
  clearErrorsOnInput(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    button.disabled = true;
    const result = await api("POST", "/api/profile/face-checks", { face_consent: consent.checked });
    button.disabled = false;
    if (!result.ok) {
      showErrors(form, result.data);
      return;
    }
    button.hidden = true;
    box.dispatchEvent(new CustomEvent("face-check:start", { detail: result.data.face }));
  });

  box.addEventListener("face-check:passed", async (event) => {
    const faceId = event.detail.face_id;
    const result = await api("POST", `/api/profile/face-checks/${encodeURIComponent(faceId)}/complete`, {});
    if (result.ok) {
      window.location.assign("/user/profile?upgraded=real_person");
      return;
    }
    button.hidden = false;
    showErrors(form, result.data);
  });

  box.addEventListener("face-check:failed", () => {
    button.hidden = false;
  });
}

export function focusOnLoad(element) {
  element.focus();
}
