// data-module="account-menu" on the top-right 个人中心 entry: its button shows and hides the list
// (个人中心, 退出登录) it controls, as a disclosure (the WAI-ARIA pattern; Enter and Space come with
// the button). Escape closes it and gives focus back to the button; so does a click elsewhere.

export function start(root) {
  const button = root.querySelector("button[aria-controls]");
  const list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!list) return;
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    list.hidden = !open;
  };
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !list.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!list.hidden && !root.contains(event.target)) setOpen(false);
  });
  root.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !root.contains(event.relatedTarget)) setOpen(false);
  });
}
