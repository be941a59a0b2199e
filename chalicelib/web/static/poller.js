// Polling a flow that another device completes (扫码登录: the citizen approves in the app), the way
// RFC 8628 §3.5 has a device poll: ask every `interval` seconds; "authorization_pending" means ask
// again; "slow_down" adds 5 seconds to the interval, for this and every later request;
// "expired_token" and "access_denied" end it, and so does any answer without one of these words
// (a success, or another refusal). The word is the `status` of a waiting answer (202 from
// POST /api/login-flows/{flow_id}) or the `code` of a refusal in the hall's error shape; a
// `poll_after` (seconds) in the answer is waited for at least. A lost connection or an answer the
// hall did not write (a 502 page) waits twice as long each time, up to a minute (RFC 8628 §3.5:
// exponential backoff), honouring retry_after. Nothing is asked while the page is hidden
// (visibilitychange); shown again, polling resumes where the interval says, so coming back never
// makes a burst.
//
//   const poller = startPolling({url, body: {method: "app_qr"}, onApproved, onPending, onExpired, onDenied});
//   poller.stop();

import { api } from "./api.js";

export const PENDING = "authorization_pending";
export const SLOW_DOWN = "slow_down";
export const EXPIRED = "expired_token";
export const DENIED = "access_denied";

const SLOW_DOWN_STEP = 5; // seconds, RFC 8628 §3.5
const MAX_BACKOFF = 60; // seconds

function wordOf(data) {
  return data.status || data.code || "";
}

function unanswered(result) {
  return result.status === 0 || result.data.code === "service_unavailable";
}

export function startPolling({
  url,
  method = "POST",
  body = {},
  interval = 5,
  onApproved = () => {},
  onPending = () => {},
  onExpired = () => {},
  onDenied = () => {},
  onError = () => {},
}) {
  let delay = interval; // seconds between requests: slow_down adds to it for good
  let dueAt = Date.now() + delay * 1000;
  let timer = null;
  let inFlight = false;
  let stopped = false;
  let failures = 0;
  const abort = new AbortController();

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    if (stopped || inFlight || document.hidden) return;
    timer = window.setTimeout(request, Math.max(0, dueAt - Date.now()));
  }

  function waitFor(seconds) {
    dueAt = Date.now() + seconds * 1000;
    schedule();
  }

  function finish(callback, data) {
    stop();
    callback(data);
  }

  async function request() {
    timer = null;
    inFlight = true;
    const result = await api(method, url, body, { signal: abort.signal });
    inFlight = false;
    if (stopped) return;
    const word = wordOf(result.data);
    if (word === SLOW_DOWN) delay += SLOW_DOWN_STEP;
    if (word === PENDING || word === SLOW_DOWN) {
      failures = 0;
      onPending(result.data);
      waitFor(Math.max(delay, Number(result.data.poll_after) || 0));
    } else if (word === EXPIRED) finish(onExpired, result.data);
    else if (word === DENIED) finish(onDenied, result.data);
    else if (unanswered(result) || result.status === 429) {
      failures += 1;
      const backoff = Math.min(interval * 2 ** failures, MAX_BACKOFF);
      waitFor(Math.max(backoff, Number(result.data.retry_after) || 0, delay));
    } else if (result.ok) finish(onApproved, result.data);
    else finish(onError, result.data);
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    document.removeEventListener("visibilitychange", schedule);
    abort.abort();
  }

  // Hidden: schedule() sets no timer, and clears the one there was. Shown: it sets one for what is left.
  document.addEventListener("visibilitychange", schedule);
  schedule();

  return {
    stop,
    get interval() {
      return delay;
    },
  };
}
