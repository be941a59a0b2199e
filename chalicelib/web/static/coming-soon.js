// data-module="coming-soon" on a button for a feature not built yet: pressing it says
// "<feature>即将开放，敬请期待。" in the page's status region ([data-soon-status], role="status"),
// instead of leading nowhere. The feature's name is data-feature, or the button's text.

export function start(button) {
  button.addEventListener("click", () => {
    const status = document.querySelector("[data-soon-status]");
    if (!status) return;
    // Clearing first makes a repeated click announce again.
    status.textContent = "";
    status.classList.add("shown");
    window.setTimeout(() => {
      status.textContent = `${button.dataset.feature || button.textContent.trim()}即将开放，敬请期待。`;
    }, 30);
  });
}
