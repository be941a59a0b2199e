// Errors next to their fields: each message goes into the field's slot (.field-error[data-for]),
// which the input names in aria-describedby; the input gets aria-invalid and the first one in
// error takes focus. The form's summary goes into its live alert (.form-error). A conflict that
// 用户申诉 resolves links to it. Editing a field clears its own error.

function inputFor(form, name) {
  return form.querySelector(`[data-field="${name}"]`) || form.querySelector(`[name="${name}"]:not([type="hidden"])`);
}

function appealLink(url) {
  const link = document.createElement("a");
  link.href = url;
  link.className = "appeal-link";
  link.textContent = "用户申诉";
  return link;
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll('[aria-invalid="true"]').forEach((el) => el.removeAttribute("aria-invalid"));
  const general = form.querySelector(".form-error");
  if (general) general.textContent = "";
}

export function showErrors(form, data = {}) {
  clearErrors(form);
  let first = null;
  for (const [name, message] of Object.entries(data.fields || {})) {
    const slot = form.querySelector(`.field-error[data-for="${name}"]`);
    const input = inputFor(form, name);
    if (slot) {
      slot.textContent = message;
      if (data.appeal_url) slot.append("，请使用 ", appealLink(data.appeal_url), " 功能解决");
    }
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first ||= input;
    }
  }
  const general = form.querySelector(".form-error");
  if (general && data.message) {
    general.textContent = data.message;
    if (data.appeal_url) general.append(" ", appealLink(data.appeal_url));
  }
  if (first) first.focus();
}

export function clearErrorsOnInput(form) {
  form.addEventListener("input", (event) => {
    const el = event.target;
    if (el.getAttribute("aria-invalid") !== "true") return;
    el.removeAttribute("aria-invalid");
    const slot = form.querySelector(`.field-error[data-for="${el.dataset.field || el.name}"]`);
    if (slot) slot.textContent = "";
  });
}
