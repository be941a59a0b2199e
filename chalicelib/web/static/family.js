// data-module="family-numbers": the 亲情号 page (templates/user/family.html). 添加 posts the form to
// POST /api/family-numbers; a bound relative joins the list (a row from the page's <template>),
// the live region says so and focus moves to the list's heading. 解绑 asks 确定解绑？ in its own
// row (focus on 确认解绑; 取消 or Escape gives the button back), then DELETE
// /api/family-numbers/{binding_id}; the row goes, the live region says so, focus moves to the
// list's heading. Refusals show next to the fields or in the form's alert.

import { api } from "./api.js";
import { clearErrors, clearErrorsOnInput, showErrors } from "./field-errors.js";

function formBody(form) {
  const body = {};
  for (const el of form.elements) if (el.name) body[el.name] = el.value.trim();
  return body;
}

export function start(root) {
  const table = root.querySelector(".family-table");
  const rows = table.querySelector("tbody");
  const empty = root.querySelector("[data-empty]");
  const count = root.querySelector("[data-count]");
  const heading = root.querySelector("#family-list-title");
  const status = root.querySelector(".family-status");
  const unbindError = root.querySelector("[data-unbind-error]");
  const rowTemplate = root.querySelector("template[data-row]");
  const confirmTemplate = root.querySelector("template[data-confirm]");
  const form = root.querySelector("[data-family-form]");

  function refreshCount() {
    const n = rows.querySelectorAll("tr").length;
    count.textContent = String(n);
    table.hidden = n === 0;
    empty.hidden = n !== 0;
  }

  function announce(text) {
    status.textContent = text;
    heading.focus();
  }

  function addRow(view) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.dataset.bindingId = view.binding_id;
    row.querySelector("[data-name]").textContent = view.name;
    row.querySelector("[data-relation]").textContent = view.relation_label;
    row.querySelector("[data-id-type]").textContent = view.id_type_label;
    row.querySelector("[data-id-number]").textContent = view.id_number;
    row.querySelector("[data-bound-on]").textContent = view.bound_on;
    row.querySelector("[data-unbind]").setAttribute("aria-label", `解绑 ${view.name}（${view.relation_label}）`);
    rows.append(row);
    refreshCount();
  }

  function askConfirm(button) {
    const cell = button.closest("td");
    const question = confirmTemplate.content.firstElementChild.cloneNode(true);
    const name = button.closest("tr").cells[0].textContent;
    question.querySelector("[data-confirm-unbind]").setAttribute("aria-label", `确认解绑 ${name}`);
    button.hidden = true;
    cell.append(question);
    question.querySelector("[data-confirm-unbind]").focus();
    const giveBack = () => {
      question.remove();
      button.hidden = false;
      button.focus();
    };
    question.querySelector("[data-cancel-unbind]").addEventListener("click", giveBack);
    question.addEventListener("keydown", (event) => {
      if (event.key === "Escape") giveBack();
    });
    question.querySelector("[data-confirm-unbind]").addEventListener("click", async (event) => {
      const confirm = event.currentTarget;
      const row = button.closest("tr");
      confirm.disabled = true;
      unbindError.textContent = "";
      const result = await api("DELETE", `/api/family-numbers/${encodeURIComponent(row.dataset.bindingId)}`);
      if (result.ok || result.data.code === "family_number_not_found") {
        row.remove();
        refreshCount();
        announce(`已解绑亲情号 ${name}`);
        return;
      }
      confirm.disabled = false;
      unbindError.textContent = result.data.message;
      confirm.focus();
    });
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-unbind]");
    if (button) askConfirm(button);
  });

  if (!form) return;
  clearErrorsOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    const result = await api("POST", "/api/family-numbers", formBody(form));
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
    if (!result.ok) {
      showErrors(form, result.data);
      return;
    }
    const view = result.data.family_number;
    addRow(view);
    form.reset();
    announce(`已绑定亲情号 ${view.name}（${view.relation_label}）`);
  });
}
