// data-module="captcha-dialog" on the captcha <dialog>. Other components ask it for an answer with
// askCaptcha({submit(captchaId, answer) -> Promise<result>, done(result), focusAfter}): it loads a
// graphic captcha (图形验证码), opens, and hands the captcha's id and the typed answer to submit.
// A wrong answer (captcha_invalid) loads a new challenge of the same kind and says so; any other
// result closes the dialog and goes to done. Closing gives focus back to focusAfter.
// For citizens who cannot see the picture, 播放语音验证码 loads a spoken challenge (语音验证码,
// digits) and plays it; 听不清，换一个 loads and plays another, 看不清，换一张 goes back to a picture.
// Whichever was loaded last is the one answered: its id is the one submitted. When the hall gives
// no answer (no connection, a 502 page), the dialog stays open and says so.

import { api } from "./api.js";

let started = null;

export function askCaptcha(request) {
  if (!started) throw new Error("askCaptcha: the page has no captcha dialog");
  started.ask(request);
}

export function start(dialog) {
  started = new CaptchaDialog(dialog);
}

class CaptchaDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.help = dialog.querySelector("#" + dialog.getAttribute("aria-describedby"));
    this.image = dialog.querySelector("img");
    this.player = dialog.querySelector("audio");
    this.captchaId = dialog.querySelector('input[name="captcha_id"]');
    this.answer = dialog.querySelector('input[name="captcha_answer"]');
    this.label = dialog.querySelector(`label[for="${this.answer.id}"]`);
    this.error = dialog.querySelector(".field-error");
    this.confirm = dialog.querySelector('button[type="submit"]');
    this.newAudio = this.action("new-audio");
    // The picture's texts, as the template wrote them, to go back to.
    this.imageTexts = new Map([this.help, this.label].map((el) => [el, el.textContent]));
    this.kind = "image";
    this.loads = 0; // only the last challenge asked for is shown (a citizen may click twice)
    this.pending = null; // what the captcha guards: {submit, done, focusAfter}

    this.action("new-image").addEventListener("click", async () => {
      await this.load("image");
      this.answer.focus();
    });
    this.action("play-audio").addEventListener("click", () => this.playAudio(false));
    this.newAudio.addEventListener("click", () => this.playAudio(true));
    this.action("cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      this.player.pause();
      const focusAfter = this.pending && this.pending.focusAfter;
      if (focusAfter && !focusAfter.disabled) focusAfter.focus();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  action(name) {
    return this.dialog.querySelector(`[data-action="${name}"]`);
  }

  async ask(request) {
    this.pending = request;
    await this.load("image");
    if (!this.dialog.open) this.dialog.showModal();
    this.answer.focus();
  }

  // Shows the picture's or the spoken challenge's texts and controls.
  setKind(kind) {
    this.kind = kind;
    for (const [el, text] of this.imageTexts) el.textContent = kind === "audio" ? el.dataset.audioText : text;
    this.newAudio.hidden = kind !== "audio";
    this.image.hidden = kind === "audio"; // the picture's captcha is no longer the one answered
    if (kind === "audio") this.answer.setAttribute("inputmode", "numeric");
    else this.answer.removeAttribute("inputmode");
  }

  async load(kind) {
    this.error.textContent = "";
    this.answer.value = "";
    this.answer.removeAttribute("aria-invalid");
    this.captchaId.value = "";
    this.player.pause();
    this.setKind(kind);
    const load = ++this.loads;
    const result = await api("POST", "/api/captchas", { kind });
    if (load !== this.loads) return false;
    if (!result.ok) {
      this.error.textContent = result.data.message || "验证码加载失败，请稍后再试";
      return false;
    }
    if (kind === "audio") this.player.src = result.data.audio;
    else this.image.src = result.data.image;
    this.captchaId.value = result.data.captcha_id;
    return true;
  }

  // Plays the spoken challenge, loading one first when asked for a new one or none is loaded.
  async playAudio(fresh) {
    if ((fresh || this.kind !== "audio" || !this.captchaId.value) && !(await this.load("audio"))) return;
    this.player.currentTime = 0;
    try {
      await this.player.play();
    } catch {
      this.error.textContent = "语音验证码无法播放，请检查设备的声音设置后重试";
    }
  }

  async submit() {
    if (!this.pending) return;
    const answer = this.answer.value.trim();
    if (!answer) {
      this.invalid(this.kind === "audio" ? "请输入语音验证码" : "请输入图形验证码");
      return;
    }
    const request = this.pending;
    this.confirm.disabled = true;
    const result = await request.submit(this.captchaId.value, answer);
    this.confirm.disabled = false;
    if (result.status === 0 || result.data.code === "service_unavailable") {
      // The hall did not answer: the dialog stays, so the citizen can simply try again.
      this.error.textContent = result.data.message;
      return;
    }
    if (result.data.code === "captcha_invalid") {
      const kind = this.kind;
      await this.load(kind);
      this.invalid(kind === "audio" ? this.error.dataset.audioInvalid : result.data.message);
      return;
    }
    this.dialog.close();
    request.done(result);
  }

  invalid(message) {
    this.answer.setAttribute("aria-invalid", "true");
    this.error.textContent = message;
    this.answer.focus();
  }
}
