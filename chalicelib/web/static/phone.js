// The mobile-number check the page makes before asking for an SMS code. It accepts exactly what
// the server accepts (chalicelib/domain/identity.py: normalize_phone, validate_phone): full-width
// forms folded to ASCII, spaces, hyphens and a +86 prefix dropped, then 11 ASCII digits 1[3-9]…,
// and says what is wrong in the server's words.

// U+FF01..U+FF5E are the full-width forms of "!".."~"; U+3000 is the ideographic space.
function foldFullWidth(text) {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ");
}

// What Python's str.strip() strips (str.isspace), which differs a little from String.prototype.trim.
const SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const ENDS = new RegExp(`^${SPACE}+|${SPACE}+$`, "g");

export function normalizePhone(raw) {
  const phone = foldFullWidth(raw || "").replace(ENDS, "").replaceAll(" ", "").replaceAll("-", "");
  return phone.startsWith("+86") ? phone.slice(3) : phone;
}

// The field error for a typed number, or "" when the server would accept it.
export function phoneError(raw) {
  const phone = normalizePhone(raw);
  if (!phone) return "请输入移动电话";
  if (!/^[0-9]+$/.test(phone)) return "移动电话号码只能由数字0-9组成";
  if (!/^1[3-9][0-9]{9}$/.test(phone)) return "请输入正确的11位移动电话号码";
  return "";
}
