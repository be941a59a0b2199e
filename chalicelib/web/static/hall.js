// The hall's page script: plain JavaScript, no build step.
// Forms post JSON to the API with the CSRF header; errors show next to their fields.
(function () {
  "use strict";

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
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function showErrors(form, data) {
    form.querySelectorAll(".field-error").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var fields = (data && data.fields) || {};
    Object.keys(fields).forEach(function (name) {
      var slot = form.querySelector('.field-error[data-for="' + name + '"]');
      if (slot) slot.textContent = fields[name];
      var input = form.querySelector('[name="' + name + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    });
    var general = form.querySelector(".form-error");
    if (general) {
      general.textContent = data && data.message ? data.message : "";
      if (data && data.appeal_url) {
        var link = document.createElement("a");
        link.href = data.appeal_url;
        link.textContent = " 去用户申诉";
        general.appendChild(link);
      }
    }
  }

  function formBody(form) {
    var body = {};
    if (form.dataset.method) body.method = form.dataset.method;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "checkbox") body[el.name] = el.checked;
      else body[el.name] = el.value;
    });
    return body;
  }

  document.querySelectorAll("form.api-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      api("POST", form.dataset.api, formBody(form)).then(function (result) {
        button.disabled = false;
        if (result.ok) {
          window.location.assign(form.dataset.redirect || "/");
        } else {
          showErrors(form, result.data);
        }
      }, function () {
        button.disabled = false;
        showErrors(form, { message: "网络异常，请稍后再试" });
      });
    });
  });

  // Tabs (WAI-ARIA tabs pattern: arrow keys move between tabs).
  document.querySelectorAll('[role="tablist"]').forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    function select(tab) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(tab); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
        if (event.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
        if (next) { next.focus(); select(next); event.preventDefault(); }
      });
    });
  });

  // Buttons for methods not built yet say so, instead of leading nowhere.
  document.querySelectorAll("button.soon").forEach(function (button) {
    button.addEventListener("click", function () {
      var status = document.getElementById(button.getAttribute("aria-describedby"));
      if (status) status.textContent = button.dataset.feature + "即将开放，敬请期待";
    });
  });

  // SMS codes: the graphic captcha first, then the code, then a 60-second countdown.
  var dialog = document.getElementById("captcha-dialog");
  var pending = null;

  function loadCaptcha() {
    document.getElementById("captcha-error").textContent = "";
    document.getElementById("captcha-answer").value = "";
    return api("POST", "/api/captchas", {}).then(function (result) {
      if (!result.ok) {
        document.getElementById("captcha-error").textContent = result.data.message || "";
        return;
      }
      document.getElementById("captcha-image").src = result.data.image;
      document.getElementById("captcha-id").value = result.data.captcha_id;
    });
  }

  function countdown(button, seconds) {
    button.disabled = true;
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    var timer = setInterval(function () {
      seconds -= 1;
      button.textContent = seconds + "秒后重新获取";
      if (seconds <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      }
    }, 1000);
    button.textContent = seconds + "秒后重新获取";
  }

  document.querySelectorAll("button.send-code").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var phone = document.getElementById(button.dataset.phoneField);
      if (!/^1[3-9]\d{9}$/.test(phone.value.trim())) {
        showErrors(form, { fields: { phone: "请输入正确的11位移动电话号码" } });
        phone.focus();
        return;
      }
      pending = { button: button, form: form, phone: phone.value.trim(), purpose: button.dataset.purpose };
      loadCaptcha().then(function () {
        dialog.showModal();
        document.getElementById("captcha-answer").focus();
      });
    });
  });

  if (dialog) {
    document.getElementById("captcha-refresh").addEventListener("click", loadCaptcha);
    document.getElementById("captcha-cancel").addEventListener("click", function () { dialog.close(); });
    document.getElementById("captcha-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) return;
      api("POST", "/api/sms-codes", {
        phone: pending.phone,
        purpose: pending.purpose,
        captcha_id: document.getElementById("captcha-id").value,
        captcha_answer: document.getElementById("captcha-answer").value,
      }).then(function (result) {
        if (result.ok) {
          dialog.close();
          showErrors(pending.form, {});
          countdown(pending.button, result.data.resend_after || 60);
          var code = pending.form.querySelector('[name="sms_code"]');
          if (code) code.focus();
        } else if (result.data.code === "captcha_invalid") {
          loadCaptcha().then(function () {
            document.getElementById("captcha-error").textContent = result.data.message;
          });
        } else {
          dialog.close();
          showErrors(pending.form, result.data);
        }
      });
    });
  }

  var logout = document.getElementById("logout-button");
  if (logout) {
    logout.addEventListener("click", function () {
      api("DELETE", "/api/sessions/current").then(function () { window.location.assign("/"); });
    });
  }
})();
