// 用户申诉 (templates/appeal.html, appeal_lookup.html).
//
// data-module="appeal": 证件号码被占用, 移动电话已被占用, 亲情号解绑. 填写证件信息 posts to
// POST /api/appeals; its answer carries the face check, which face-check.js shows and polls
// ("face-check:start"). When it reports "face-check:passed", the page hands the check back
// (POST /api/appeals/{id}/face); 亲情号解绑 is then complete, the others show their last form
// (设置新密码, or 新手机号 + 短信验证), which posts to /password or /phone. Each step moves the step
// indicator (aria-current="step"), says the current step in text and moves focus there.
//
// data-module="appeal-ticket": 其他, one form (POST /api/appeal-tickets) answered with the 申诉编号.
// data-module="appeal-lookup": 申诉查询 (POST /api/appeal-tickets/lookup) shown in place.

import { api } from "./api.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function formBody(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") body[el.name] = el.checked;
    else if (el.type === "password") body[el.name] = el.value;
    else body[el.name] = el.value.trim();
  }
  return body;
}

async function post(form, url, body) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await api("POST", url, body);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// The step indicator of a section: mark step `n` (1-based) current, and say it in text.
function stepper(section) {
  const labels = (section.dataset.steps || "").split("|");
  const items = section.querySelectorAll(".steps .step");
  const now = section.querySelector(".step-now");
  return (n, { focus = true } = {}) => {
    items.forEach((item, index) => {
      const current = index + 1 === n;
      item.classList.toggle("current", current);
      item.classList.toggle("done", index + 1 < n);
      if (current) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    now.textContent = `当前步骤：第${n}步（共${labels.length}步）${labels[n - 1] || ""}`;
    if (focus) now.focus(); // the step changed: focus says so (the face check then moves it to its QR)
  };
}

function showDone(section, data, goTo) {
  for (const form of section.querySelectorAll("form")) form.hidden = true;
  const done = section.querySelector(".appeal-done");
  done.querySelector(".appeal-number").textContent = data.appeal_id || "";
  const text = done.querySelector(".appeal-done-text");
  if (text) text.textContent = data.bound_to_account ? text.dataset.registered : text.dataset.unregistered;
  done.hidden = false;
  goTo((section.dataset.steps || "").split("|").length);
}

export function start(section) {
  const identify = section.querySelector("#appeal-identify-form");
  const faceBox = identify.querySelector('[data-module~="face-check"]');
  const last = section.querySelector("#appeal-password-form, #appeal-phone-form");
  const goTo = stepper(section);
  let appealId = null;

  identify.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(identify);
    const result = await post(identify, "/api/appeals", formBody(identify));
    if (!result.ok) {
      showErrors(identify, result.data);
      return;
    }
    appealId = result.data.appeal_id;
    for (const el of identify.querySelectorAll("input, select")) {
      if (el.type !== "hidden") el.disabled = true;
    }
    identify.querySelector('button[type="submit"]').hidden = true;
    goTo(2);
    faceBox.dispatchEvent(new CustomEvent("face-check:start", { detail: result.data.face }));
  });

  faceBox.addEventListener("face-check:passed", async (event) => {
    const result = await api("POST", `/api/appeals/${encodeURIComponent(appealId)}/face`, {
      face_id: event.detail.face_id,
    });
    if (!result.ok) {
      showErrors(identify, result.data);
      return;
    }
    if (result.data.status === "completed" || !last) {
      showDone(section, result.data, goTo);
      return;
    }
    identify.hidden = true;
    last.hidden = false;
    goTo(3);
  });

  faceBox.addEventListener("face-check:failed", () => {
    // A new check needs a new appeal: the form opens again (the consent is shown again).
    for (const el of identify.querySelectorAll("input, select")) el.disabled = false;
    identify.querySelector('button[type="submit"]').hidden = false;
    goTo(1, { focus: false }); // focus stays on the face check's message
  });

  if (last) {
    const step = last.id === "appeal-password-form" ? "password" : "phone";
    last.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(last);
      const result = await post(last, `/api/appeals/${encodeURIComponent(appealId)}/${step}`, formBody(last));
      if (!result.ok) {
        showErrors(last, result.data);
        return;
      }
      showDone(section, result.data, goTo);
    });
    clearErrorsOnInput(last);
  }
  clearErrorsOnInput(identify);
}

export function startTicket(section) {
  const form = section.querySelector("#appeal-ticket-form");
  const goTo = stepper(section);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const result = await post(form, "/api/appeal-tickets", formBody(form));
    if (!result.ok) {
      showErrors(form, result.data);
      return;
    }
    showDone(section, result.data, goTo);
  });
  clearErrorsOnInput(form);
}

function formatTime(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString("zh-CN", { hour12: false });
}

export function startLookup(section) {
  const form = section.querySelector("#appeal-lookup-form");
  const result = section.querySelector("#appeal-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const answer = await post(form, "/api/appeal-tickets/lookup", formBody(form));
    if (!answer.ok) {
      result.hidden = true;
      showErrors(form, answer.data);
      return;
    }
    const data = answer.data;
    result.querySelector(".result-number").textContent = data.appeal_id;
    result.querySelector(".result-category").textContent = data.category_label || data.appeal_type_label;
    result.querySelector(".result-status").textContent = data.status_label;
    const list = result.querySelector(".appeal-history");
    list.replaceChildren();
    for (const change of data.history || []) {
      const item = document.createElement("li");
      const who = change.by === "citizen" ? "申诉人" : "工作人员";
      item.textContent = `${formatTime(change.at)} ${who}：${change.status_label}${change.note ? `，${change.note}` : ""}`;
      list.append(item);
    }
    result.hidden = false;
    result.querySelector("h2").focus();
  });
  clearErrorsOnInput(form);
}
