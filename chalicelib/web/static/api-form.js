// data-module="api-form": a form that posts its fields to the API as JSON (data-api, with
// data-method as "method" when set) and goes to data-redirect when accepted. A refusal shows its
// errors next to the fields. After a few wrong passwords the hall asks for the captcha with the
// next try (captcha_required); a number held under several document types asks which one is
// meant (id_type_required), filling the form's hidden 证件类型 choice.

import { api } from "./api.js";
import { askCaptcha } from "./captcha-dialog.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function formBody(form) {
  const body = {};
  if (form.dataset.method) body.method = form.dataset.method;
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") body[el.name] = el.checked;
    else if (el.type === "password") body[el.name] = el.value; // a password is sent exactly as typed
    else body[el.name] = el.value.trim();
  }
  return body;
}

function offerDocumentTypes(form, types) {
  const select = form.querySelector('select[name="id_type"]');
  if (!select || !types) return;
  const chosen = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const type of types) {
    const option = new Option(type.label, type.value);
    option.selected = type.value === chosen;
    select.add(option);
  }
  select.closest(".field").hidden = false;
}

function idempotencyKey(form) {
  if (!form.dataset.idempotencyKey) form.dataset.idempotencyKey = crypto.randomUUID();
  return form.dataset.idempotencyKey;
}

async function submit(form, extra = {}) {
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    // A form marked data-idempotent sends one Idempotency-Key per submission: the same on a
    // retry of the same values (a lost answer, a second click), a new one once a field changes.
    const headers = form.dataset.idempotent !== undefined ? { "Idempotency-Key": idempotencyKey(form) } : {};
    return await api("POST", form.dataset.api, { ...formBody(form), ...extra }, { headers });
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function submitWithCaptcha(form) {
  askCaptcha({
    focusAfter: form.querySelector('button[type="submit"]'),
    submit: (captchaId, answer) => submit(form, { captcha_id: captchaId, captcha_answer: answer }),
    done: (result) => afterSubmit(form, result),
  });
}

function afterSubmit(form, result) {
  if (result.ok && result.data.status === "second_step_required") {
    // 登录保护: the password was right and a second step is asked (second-step.js shows it).
    form.dispatchEvent(new CustomEvent("second-step", { bubbles: true, detail: result.data }));
    return;
  }
  if (result.ok) {
    // The hall may name where to go next (an account without a phone binds one first).
    const next = typeof result.data.next === "string" && /^\/(?!\/)/.test(result.data.next) ? result.data.next : null;
    window.location.assign(next || form.dataset.redirect || "/");
    return;
  }
  const data = result.data;
  if (data.captcha_required) form.dataset.captcha = "required";
  if (data.code === "id_type_required") offerDocumentTypes(form, data.id_types);
  if (data.code === "captcha_required") {
    clearErrors(form);
    submitWithCaptcha(form);
    return;
  }
  showErrors(form, data);
}

export function start(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.captcha === "required") {
      submitWithCaptcha(form);
      return;
    }
    afterSubmit(form, await submit(form));
  });
  form.addEventListener("input", () => delete form.dataset.idempotencyKey); // new values, new submission
  clearErrorsOnInput(form);
}
