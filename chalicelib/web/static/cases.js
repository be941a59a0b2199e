// 在线办理, 好差评 and the back office's local counterpart.
// data-module="case-apply": the application form posts its fields with an idempotency key made
//   once per page, so pressing 提交申请 again (or a retry after a lost answer) gives the same 办件;
//   accepted, the page goes to the case.
// data-module="case-evaluation": the five-point scale and the comment (required for 不满意 and
//   非常不满意, said next to the field); accepted, the page shows the evaluation and moves focus there.
// data-module="dev-back-office" (dev stage only): 办结 a case by its 办件编号.

import { api } from "./api.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function newKey() {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function busy(form, call) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await call();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function start(form) {
  const key = newKey();
  clearErrorsOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {};
    for (const el of form.elements) {
      if (el.name) fields[el.name] = el.value.trim();
    }
    const result = await busy(form, () => api("POST", form.dataset.api, { idempotency_key: key, fields }));
    if (result.ok && typeof result.data.next === "string" && /^\/user\/cases\/[0-9]+$/.test(result.data.next)) {
      window.location.assign(`${result.data.next}?applied=1`);
      return;
    }
    showErrors(form, result.data);
  });
}

export function startEvaluation(form) {
  const status = form.parentElement.querySelector("[data-evaluation-status]");
  const comment = form.querySelector('textarea[name="comment"]');
  clearErrorsOnInput(form);
  form.addEventListener("change", (event) => {
    if (event.target.name !== "grade") return;
    comment.required = event.target.hasAttribute("data-needs-comment");
    comment.setAttribute("aria-required", comment.required ? "true" : "false");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = form.querySelector('input[name="grade"]:checked');
    const body = { grade: chosen ? chosen.value : "", comment: comment.value.trim() };
    const result = await busy(form, () => api("POST", form.dataset.api, body));
    if (!result.ok) {
      if (result.data.fields && result.data.fields.grade) {
        showErrors(form, result.data);
        form.querySelector('input[name="grade"]').focus();
        return;
      }
      showErrors(form, result.data);
      return;
    }
    const evaluation = result.data.case.evaluation;
    form.hidden = true;
    status.textContent = `评价成功：${evaluation.grade_label}。感谢您的评价，评价提交后不能修改。`;
    status.setAttribute("tabindex", "-1");
    status.focus();
  });
}

export function startDevBackOffice(form) {
  const status = form.parentElement.querySelector("[data-back-office-status]");
  clearErrorsOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.textContent = "";
    const caseId = form.elements.case_id.value.trim();
    if (!caseId) {
      showErrors(form, { fields: { case_id: "请输入办件编号" } });
      return;
    }
    const result = await busy(form, () => api("POST", `/dev/back-office/cases/${encodeURIComponent(caseId)}/finish`, {}));
    if (result.ok) {
      status.textContent = `办件 ${result.data.case_id} 已办结，已通知网办大厅。`;
    } else {
      showErrors(form, { ...result.data, fields: result.data.fields || { case_id: result.data.message } });
    }
  });
}
