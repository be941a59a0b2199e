// data-module="disclosure" on a button with aria-controls and aria-expanded: shows and hides the
// element it controls (the WAI-ARIA disclosure pattern; Enter and Space come with the button).

export function start(button) {
  const target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) return;
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    target.hidden = !open;
  });
}
