// 社会保险个人权益记录单核验: the chosen PDF stays in the browser. Its last line
// ("%HALL-STATEMENT <code> <mac>") is read and every byte before it hashed (SHA-256, Web Crypto);
// the hall checks its MAC over that digest and code, and the page says 真实有效 or 无法验证 in its
// live region, moving focus there.
import { api } from "./api.js";

const TRAILER = "\n%HALL-STATEMENT ";
const INVALID = "无法验证：该文件不是本厅签发的记录单，或已被修改";

export function start(root) {
  const form = root.querySelector("[data-statement-file-form]");
  const input = root.querySelector("#verify-file");
  const result = root.querySelector("[data-testid='verify-file-result']");
  if (!form || !input || !result) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = input.files && input.files[0];
    if (!file) {
      say("请选择记录单PDF文件");
      return;
    }
    say("正在核验…", false);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const found = lastLine(bytes);
    if (!found) {
      say(INVALID);
      return;
    }
    const digest = await crypto.subtle.digest("SHA-256", bytes.subarray(0, found.bodyEnd));
    const { ok, data } = await api("POST", "/api/statement-checks", {
      sha256: hex(new Uint8Array(digest)),
      code: found.code,
      mac: found.mac,
    });
    if (!ok) say(data.message);
    else if (data.result === "valid") say(`${data.message}：${data.title}，签发日期 ${data.issued_on}`);
    else say(INVALID);
  });

  function say(text, focus = true) {
    result.textContent = text;
    if (focus) result.focus();
  }
}

// The file's last line: where the body ends, and the code and MAC it carries.
function lastLine(bytes) {
  const tail = bytes.subarray(Math.max(0, bytes.length - 512));
  const text = String.fromCharCode(...tail);
  const at = text.lastIndexOf(TRAILER);
  if (at < 0) return null;
  const parts = text.slice(at + TRAILER.length).replace(/\n$/, "").split(" ");
  if (parts.length !== 2) return null;
  return { bodyEnd: bytes.length - tail.length + at + 1, code: parts[0], mac: parts[1] };
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
