// data-module="menu-toggle" on the main navigation: on a phone-sized screen the seven-item menu
// folds behind its 菜单 button (a disclosure: aria-expanded on the button, the list it controls).
// The script adds the "collapsible" class; without it (no script) the menu simply stays open.
// Escape closes the menu and gives focus back to the button.

export function start(nav) {
  const button = nav.querySelector(".menu-toggle");
  const list = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!list) return;
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  };
  nav.classList.add("collapsible");
  setOpen(false);
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      setOpen(false);
      button.focus();
    }
  });
}
