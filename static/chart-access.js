// A chart's keyboard and touch manners: its toolbar one Tab stop, its tooltip gone with the finger.

// A chart's toolbar (plotly.js's modebar, about ten buttons a chart) as one Tab stop, as a
// WAI-ARIA toolbar: Tab reaches the button last used (at first the first), the arrow keys, Home
// and End move along the bar. plotly.js makes its buttons again when it changes the bar: each
// time, they are made one stop again. (Its observer and listener go with the chart's elements.)
export const TOOLBAR_KEYS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

// The button a key moves to from button `at` of `count` (null: a key the toolbar leaves alone).
export function toolbarTarget(key, at, count) {
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  if (!(key in TOOLBAR_KEYS)) return null;
  return (at + TOOLBAR_KEYS[key] + count) % count;
}

export function oneTabStop(gd, name) {
  const container = gd.querySelector(".modebar-container");
  if (!container) return;
  const apply = () => {
    const bar = container.querySelector(".modebar");
    if (!bar) return;
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", `${name}: chart tools`);
    const buttons = [...bar.querySelectorAll(".modebar-btn")];
    const current = buttons.find((b) => b.dataset.gdStop === "true") ?? buttons[0];
    for (const b of buttons) {
      b.tabIndex = b === current ? 0 : -1;
      b.dataset.gdStop = String(b === current);
    }
  };
  apply();
  if (container.gdToolbar) return;
  container.gdToolbar = true;
  new MutationObserver(apply).observe(container, { childList: true, subtree: true });
  container.addEventListener("keydown", (event) => {
    const buttons = [...container.querySelectorAll(".modebar-btn")];
    const at = buttons.indexOf(document.activeElement);
    const to = at < 0 ? null : toolbarTarget(event.key, at, buttons.length);
    if (to === null) return;
    event.preventDefault();
    const next = buttons[to];
    for (const b of buttons) b.dataset.gdStop = String(b === next);
    apply();
    next.focus();
  });
}

// A chart's tooltip goes when the finger leaves the screen: plotly.js hides it on the mouse's
// leaving, which a touch never does, so that on a phone it stayed over the chart.
export function hoverEndsWithTouch(Plotly, gd) {
  if (gd.gdTouch) return;
  gd.gdTouch = true;
  const hide = () => Plotly.Fx.unhover(gd);
  gd.addEventListener("touchend", hide, { passive: true });
  gd.addEventListener("touchcancel", hide, { passive: true });
}
