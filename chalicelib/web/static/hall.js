// The hall's page script: plain JavaScript, no build step.
// Forms post JSON to the API with the CSRF header (X-CSRF-Token = cookie hall_csrf);
// errors show next to their fields, tied to them with aria-describedby and aria-invalid.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )hall_csrf=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data || {} };
      });
    });
  }

  // -- errors next to their fields ---------------------------------------------------

  function inputFor(form, name) {
    return form.querySelector('[data-field="' + name + '"]') ||
      form.querySelector('[name="' + name + '"]:not([type="hidden"])');
  }

  function appealLink(url) {
    var link = document.createElement("a");
    link.href = url;
    link.className = "appeal-link";
    link.textContent = "用户申诉";
    return link;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var general = form.querySelector(".form-error");
    if (general) general.textContent = "";
  }

  function showErrors(form, data) {
    clearErrors(form);
    data = data || {};
    var fields = data.fields || {};
    var first = null;
    Object.keys(fields).forEach(function (name) {
      var slot = form.querySelector('.field-error[data-for="' + name + '"]');
      var input = inputFor(form, name);
      if (slot) {
        slot.textContent = fields[name];
        if (data.appeal_url) {
          slot.appendChild(document.createTextNode("，请使用 "));
          slot.appendChild(appealLink(data.appeal_url));
          slot.appendChild(document.createTextNode(" 功能解决"));
        }
      }
      if (input) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      }
    });
    var general = form.querySelector(".form-error");
    if (general && data.message) {
      general.textContent = data.message;
      if (data.appeal_url) {
        general.appendChild(document.createTextNode(" "));
        general.appendChild(appealLink(data.appeal_url));
      }
    }
    if (first) first.focus();
  }

  function formBody(form) {
    var body = {};
    if (form.dataset.method) body.method = form.dataset.method;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "checkbox") body[el.name] = el.checked;
      else if (el.type === "password") body[el.name] = el.value;  // a password is sent exactly as typed
      else body[el.name] = el.value.trim();
    });
    return body;
  }

  // A login that finds the number under several document types asks which one.
  function offerDocumentTypes(form, types) {
    var select = form.querySelector('select[name="id_type"]');
    if (!select || !types) return;
    var chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    types.forEach(function (t) {
      var option = new Option(t.label, t.value);
      option.selected = t.value === chosen;
      select.add(option);
    });
    select.closest(".field").hidden = false;
  }

  function afterSubmit(form, result) {
    if (result.ok) {
      window.location.assign(form.dataset.redirect || "/");
      return;
    }
    var data = result.data;
    // After a few wrong passwords the hall asks for the graphic captcha with the next try.
    if (data.captcha_required) form.dataset.captcha = "required";
    if (data.code === "id_type_required") offerDocumentTypes(form, data.id_types);
    if (data.code === "captcha_required") {
      clearErrors(form);
      submitWithCaptcha(form);
      return;
    }
    showErrors(form, data);
  }

  function submitForm(form, extra) {
    var button = form.querySelector('button[type="submit"]');
    var body = formBody(form);
    Object.keys(extra || {}).forEach(function (k) { body[k] = extra[k]; });
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    return api("POST", form.dataset.api, body).then(function (result) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      return result;
    }, function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      return { ok: false, status: 0, data: { message: "网络异常，请稍后再试" } };
    });
  }

  function submitWithCaptcha(form) {
    askCaptcha({
      focusAfter: form.querySelector('button[type="submit"]'),
      submit: function (captchaId, answer) {
        return submitForm(form, { captcha_id: captchaId, captcha_answer: answer });
      },
      done: function (result) { afterSubmit(form, result); },
    });
  }

  document.querySelectorAll("form.api-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.dataset.captcha === "required") {
        submitWithCaptcha(form);
        return;
      }
      submitForm(form).then(function (result) { afterSubmit(form, result); });
    });
    // Editing a field clears its own error.
    form.addEventListener("input", function (event) {
      var el = event.target;
      if (el.getAttribute("aria-invalid") !== "true") return;
      el.removeAttribute("aria-invalid");
      var key = el.dataset.field || el.name;
      var slot = form.querySelector('.field-error[data-for="' + key + '"]');
      if (slot) slot.textContent = "";
    });
  });

  // -- tabs: the WAI-ARIA tabs pattern (arrow keys, Home, End; automatic activation) --

  function selectTab(tabs, tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      var panel = $(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
    if (focus) tab.focus();
  }

  document.querySelectorAll('[role="tablist"]').forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { selectTab(tabs, tab, true); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") next = tabs[(i + 1) % tabs.length];
        else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = tabs[(i - 1 + tabs.length) % tabs.length];
        else if (event.key === "Home") next = tabs[0];
        else if (event.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          event.preventDefault();
          selectTab(tabs, next, true);
        }
      });
    });
  });

  document.querySelectorAll("[data-select-tab]").forEach(function (button) {
    button.addEventListener("click", function () { $(button.dataset.selectTab).click(); });
  });

  // -- features not built yet say so, instead of leading nowhere ---------------------

  var status = $("soon-status");
  document.querySelectorAll("button.soon").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!status) return;
      // Clearing first makes a repeated click announce again.
      status.textContent = "";
      status.classList.add("shown");
      window.setTimeout(function () {
        status.textContent = (button.dataset.feature || button.textContent.trim()) + "即将开放，敬请期待。";
      }, 30);
    });
  });

  // -- SMS codes: the graphic captcha first, then the code, then a countdown ----------

  var dialog = $("captcha-dialog");
  // What the captcha guards: {submit(captchaId, answer) -> Promise<result>, done(result), focusAfter}.
  var pending = null;

  function askCaptcha(request) {
    pending = request;
    loadCaptcha().then(function () {
      dialog.showModal();
      $("captcha-answer").focus();
    });
  }

  function loadCaptcha() {
    $("captcha-error").textContent = "";
    $("captcha-answer").value = "";
    $("captcha-answer").removeAttribute("aria-invalid");
    $("captcha-id").value = "";
    return api("POST", "/api/captchas", {}).then(function (result) {
      if (!result.ok) {
        $("captcha-error").textContent = result.data.message || "图形验证码加载失败，请稍后再试";
        return false;
      }
      $("captcha-image").src = result.data.image;
      $("captcha-id").value = result.data.captcha_id;
      return true;
    });
  }

  function countdown(button, seconds) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.disabled = true;
    button.textContent = seconds + "秒后重新获取";
    var timer = window.setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) {
        window.clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      } else {
        button.textContent = seconds + "秒后重新获取";
      }
    }, 1000);
  }

  document.querySelectorAll("button.send-code").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var phone = $(button.dataset.phoneField);
      // What the server accepts: spaces, hyphens and a +86 prefix around 11 ASCII digits.
      var digits = phone.value.replace(/[\s-]/g, "").replace(/^\+86/, "");
      if (!/^1[3-9][0-9]{9}$/.test(digits)) {
        showErrors(form, { fields: { phone: "请输入正确的11位移动电话号码" } });
        return;
      }
      clearErrors(form);
      var number = phone.value.trim();
      askCaptcha({
        focusAfter: button,
        submit: function (captchaId, answer) {
          return api("POST", "/api/sms-codes", {
            phone: number, purpose: button.dataset.purpose, captcha_id: captchaId, captcha_answer: answer,
          });
        },
        done: function (result) {
          var sent = form.querySelector(".code-sent");
          if (!result.ok) {
            if (sent) sent.textContent = "";
            showErrors(form, result.data);
            return;
          }
          countdown(button, result.data.resend_after || 60);
          if (sent) {
            sent.textContent = "短信验证码已发送至" + (result.data.phone_masked || "您的手机") + "，" +
              Math.round((result.data.expires_in || 300) / 60) + "分钟内有效。";
          }
          var code = form.querySelector('[name="sms_code"]');
          if (code) code.focus();
        },
      });
    });
  });

  if (dialog) {
    $("captcha-refresh").addEventListener("click", function () {
      loadCaptcha().then(function () { $("captcha-answer").focus(); });
    });
    $("captcha-cancel").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (pending && pending.focusAfter && !pending.focusAfter.disabled) pending.focusAfter.focus();
    });
    $("captcha-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) return;
      var answer = $("captcha-answer").value.trim();
      if (!answer) {
        $("captcha-answer").setAttribute("aria-invalid", "true");
        $("captcha-error").textContent = "请输入图形验证码";
        $("captcha-answer").focus();
        return;
      }
      var confirm = $("captcha-confirm");
      confirm.disabled = true;
      var request = pending;
      request.submit($("captcha-id").value, answer).then(function (result) {
        confirm.disabled = false;
        if (result.data.code === "captcha_invalid") {
          loadCaptcha().then(function () {
            $("captcha-answer").setAttribute("aria-invalid", "true");
            $("captcha-error").textContent = result.data.message;
            $("captcha-answer").focus();
          });
          return;
        }
        dialog.close();
        request.done(result);
      }, function () {
        confirm.disabled = false;
        $("captcha-error").textContent = "网络异常，请稍后再试";
      });
    });
  }

  var logout = $("logout-button");
  if (logout) {
    logout.addEventListener("click", function () {
      api("DELETE", "/api/sessions/current").then(function () { window.location.assign("/"); });
    });
  }
})();
