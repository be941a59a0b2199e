// Calls to the hall's API: JSON both ways, with the CSRF header (X-CSRF-Token = cookie hall_csrf).
// A call never throws: it resolves to {ok, status, data}. An error answer that is not the hall's
// JSON (a 502 from a proxy, a gateway's HTML page) and a failed connection become a message in
// Chinese that the page can show like any other error.

export const SERVICE_UNAVAILABLE = "服务暂时不可用，请稍后再试";
export const NETWORK_FAILED = "网络异常，请稍后再试";

export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )hall_csrf=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function isHallAnswer(data) {
  return data !== null && typeof data === "object" && !Array.isArray(data);
}

// The hall's errors all carry a code and a Chinese message; anything else was not written by the hall.
function isHallError(data) {
  return isHallAnswer(data) && typeof data.code === "string" && typeof data.message === "string";
}

export async function api(method, url, body, { signal, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken(), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    return { ok: false, status: 0, data: { code: "network_failed", message: NETWORK_FAILED } };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data: isHallAnswer(data) ? data : {} };
  if (!isHallError(data)) data = { code: "service_unavailable", message: SERVICE_UNAVAILABLE };
  return { ok: false, status: response.status, data };
}
