// data-module="tabs" on a role="tablist": the WAI-ARIA tabs pattern with automatic activation.
// Arrow keys move between the tabs (wrapping around), Home and End go to the first and last;
// only the selected tab is in the Tab order (roving tabindex). Each tab shows the panel its
// aria-controls names and hides the others.
// data-module="tab-link" on a button: selects the tab whose id is in data-tab (a panel's way back).

function select(tabs, tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", on ? "true" : "false");
    t.tabIndex = on ? 0 : -1;
    const panel = document.getElementById(t.getAttribute("aria-controls"));
    if (panel) panel.hidden = !on;
  }
  tab.focus();
}

export function start(list) {
  const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tabs, tab));
    tab.addEventListener("keydown", (event) => {
      const next = {
        ArrowRight: tabs[(i + 1) % tabs.length],
        ArrowDown: tabs[(i + 1) % tabs.length],
        ArrowLeft: tabs[(i - 1 + tabs.length) % tabs.length],
        ArrowUp: tabs[(i - 1 + tabs.length) % tabs.length],
        Home: tabs[0],
        End: tabs[tabs.length - 1],
      }[event.key];
      if (!next) return;
      event.preventDefault();
      select(tabs, next);
    });
  });
}

export function startLink(button) {
  button.addEventListener("click", () => document.getElementById(button.dataset.tab)?.click());
}
