// The hall's page script: native ES modules, no build step, loaded with <script type="module">.
// Each behaviour is a module of its own, started on the elements that name it in data-module
// (the way GOV.UK Frontend starts its components): <form data-module="api-form">,
// <div role="tablist" data-module="tabs">, <button data-module="sms-code">, ...
// An element is started once; one component failing to start does not stop the others.

import { start as accountLinks } from "./account-links.js";
import { start as accountMenu } from "./account-menu.js";
import { start as accountSecurity } from "./account-security.js";
import { start as apiForm } from "./api-form.js";
import { start as appeal, startLookup as appealLookup, startTicket as appealTicket } from "./appeal.js";
import { start as captchaDialog } from "./captcha-dialog.js";
import { start as favourite } from "./catalogue.js";
import { start as caseApply, startDevBackOffice as devBackOffice, startEvaluation as caseEvaluation } from "./cases.js";
import { start as dataRights } from "./data-rights.js";
import { start as devAppQr } from "./dev-app-qr.js";
import { start as devEssc } from "./dev-essc.js";
import { start as devFace } from "./dev-face.js";
import { start as disclosure } from "./disclosure.js";
import { start as esscLogin } from "./essc-login.js";
import { start as faceCheck } from "./face-check.js";
import { start as familyNumbers } from "./family.js";
import { start as loginProtection } from "./login-protection.js";
import { start as logout } from "./logout.js";
import { start as menuToggle } from "./menu-toggle.js";
import { focusOnLoad, startFace as profileFace } from "./profile.js";
import { start as qrLogin } from "./qr-login.js";
import { start as recovery } from "./recovery.js";
import { start as secondStep } from "./second-step.js";
import { start as sessionTimeout } from "./session-timeout.js";
import { start as smsCode } from "./sms-code.js";
import { start as statementCheck } from "./statement-check.js";
import { startLink as tabLink, start as tabs } from "./tabs.js";

export const COMPONENTS = {
  "account-links": accountLinks,
  "account-menu": accountMenu,
  "account-security": accountSecurity,
  "api-form": apiForm,
  appeal,
  "appeal-lookup": appealLookup,
  "appeal-ticket": appealTicket,
  "captcha-dialog": captchaDialog,
  "case-apply": caseApply,
  "case-evaluation": caseEvaluation,
  "data-rights": dataRights,
  "dev-app-qr": devAppQr,
  "dev-back-office": devBackOffice,
  "dev-essc": devEssc,
  "dev-face": devFace,
  disclosure,
  "essc-login": esscLogin,
  "face-check": faceCheck,
  "family-numbers": familyNumbers,
  favourite,
  "focus-on-load": focusOnLoad,
  "login-protection": loginProtection,
  logout,
  "menu-toggle": menuToggle,
  "profile-face": profileFace,
  "qr-login": qrLogin,
  recovery,
  "second-step": secondStep,
  "session-timeout": sessionTimeout,
  "sms-code": smsCode,
  "statement-check": statementCheck,
  tabs,
  "tab-link": tabLink,
};

const started = new WeakMap(); // element -> names of the components started on it

export function startAll(root = document) {
  for (const element of root.querySelectorAll("[data-module]")) {
    const done = started.get(element) || new Set();
    started.set(element, done);
    for (const name of element.dataset.module.split(/\s+/).filter(Boolean)) {
      if (done.has(name)) continue;
      done.add(name);
      const startComponent = COMPONENTS[name];
      try {
        if (!startComponent) throw new Error(`no component named "${name}"`);
        startComponent(element);
      } catch (error) {
        console.error(`data-module="${name}":`, error);
      }
    }
  }
}

startAll();
