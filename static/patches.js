// Workarounds for plotly.js v4.1.1 (static/plotly-gd.min.js, tools/plotly-bundle): one named
// function each, saying the behaviour it works around. Each reaches into plotly.js's internals
// (`gd._fullLayout`, a scene's built traces), so each is checked again when plotly.js is upgraded
// (the browser tests that exercise them: tests/e2e/test_contour.py, test_panel.py, test_layout.py).

// plotly.js v4.1.1: a restyle of a 3-D scene's marker and trail makes plotly.js rebuild every trace
// of the scene, the surface too: its grid scaled again, its contour lines traced again, its buffers
// uploaded again (about a quarter of a Step's scene redraw on this project's machine), for a surface
// that has not changed. While the caller restyles the marker and trail (scene.gdMarkerOnly), the
// surface keeps what it built, unless what its build reads from the scene has changed: the scale
// of the data (a marker beyond the surface widens the scene's bounds), the contour levels, the
// axes' types. Any other redraw (a new run, a legend click, a resize) rebuilds it as before.
// Returns the scene, or null where plotly.js has none (or keeps it elsewhere: nothing is held).
export function keepSurfaceOnMarkerMoves(gd) {
  const scene = gd._fullLayout?.scene?._scene;
  if (!scene?.traces) return null;
  for (const built of Object.values(scene.traces)) {
    if (built.data?.type !== "surface" || built.gdKeeps) continue;
    built.gdKeeps = true;
    const update = built.update;
    let was = null;
    built.update = function (data) {
      const layout = scene.fullSceneLayout;
      const now = [
        data.uid, data.z, ...scene.dataScale, ...scene.contourLevels.flat(),
        layout.xaxis.type, layout.yaxis.type, layout.zaxis.type,
      ];
      if (scene.gdMarkerOnly && was && now.length === was.length && now.every((v, n) => v === was[n])) {
        this.data = data; // what hover reads: the same trace, from this draw
        scene.gdKept = (scene.gdKept || 0) + 1; // for tests
        return;
      }
      was = now;
      return update.call(this, data);
    };
  }
  return scene;
}

// Restyle the 3-D scene's marker and trail (`update`, `traces`: figures.surfaceUpdate's) without
// rebuilding its surface (keepSurfaceOnMarkerMoves).
export function restyleMarker(Plotly, gd, { update, traces }) {
  const scene = keepSurfaceOnMarkerMoves(gd);
  if (scene) scene.gdMarkerOnly = true;
  try {
    Plotly.restyle(gd, update, traces);
  } finally {
    if (scene) scene.gdMarkerOnly = false;
  }
}

// "#rrggbb" or "rgb(r, g, b)" as [r, g, b], or null.
export function colourOf(text) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text || "");
  if (hex) return hex.slice(1).map((h) => parseInt(h, 16));
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(text || "");
  return rgb ? rgb.slice(1).map(Number) : null;
}

// plotly.js v4.1.1 (issue 4491): Plotly.animate, which moves the map's paths, point and arrows,
// takes the contour trace's layer off the map (it redraws only the modules of the traces it
// moves). So the fill and its lines, once drawn, are copied into an image under the plot, at the
// axes' fixed ranges; the trace stays, transparent, and still answers the pointer with the loss.
export async function pinContourFill(Plotly, gd) {
  const layer = gd.querySelector(".contourlayer");
  if (!layer) return;
  const { xaxis: xa, yaxis: ya } = gd._fullLayout;
  const [w, h] = [xa._length, ya._length];
  const inner = layer.outerHTML.replace(/clip-path="[^"]*"/g, ""); // its clip paths live elsewhere
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${inner}</svg>`;
  const source = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  const [x0, x1] = xa.range;
  const [y0, y1] = ya.range;
  const image = { source, xref: "x", yref: "y", x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0 };
  Object.assign(image, { sizing: "stretch", layer: "below", xanchor: "left", yanchor: "top" });
  // the grid, now drawn over the fill rather than under it, at a quarter of its strength: about
  // as the 75%-opaque fill lets it show through in gd.figures' map
  const faint = {};
  for (const axis of ["xaxis", "yaxis"]) {
    for (const part of ["gridcolor", "zerolinecolor"]) {
      const rgb = colourOf(gd._fullLayout[axis][part]);
      if (rgb) faint[`${axis}.${part}`] = `rgba(${rgb.join(",")},0.25)`;
    }
  }
  await Plotly.update(gd, { opacity: 0 }, { images: [image], ...faint }, [0]);
}

// plotly.js v4.1.1: Plotly.Plots.resize's promise never settles when another resize (plotly.js's
// own, on the window's) comes within its 100 ms. So a drawn figure is sized to its element here:
// as wide as the element now is, `wanted()` px tall (which may depend on the legend's rows at that
// width: measured again after each resize).
export async function resizeTo(Plotly, gd, wanted) {
  for (let round = 0; round < 3; round++) {
    const height = wanted();
    const wider = Math.abs(gd._fullLayout.width - gd.clientWidth) > 1;
    if (Math.abs(height - gd._fullLayout.height) <= 2 && !wider) return;
    gd.style.height = `${height}px`;
    await Plotly.relayout(gd, { autosize: true });
    gd.dataset.refits = String(Number(gd.dataset.refits || 0) + 1); // for tests
  }
}

// plotly.js v4.1.1 reports a click on a point (plotly_click), not where on the chart it fell: where
// a click fell, in data units of the axes (a log axis's too), from the axes' own p2d, or null.
export function clickedAt(plot, event) {
  const layout = plot._fullLayout;
  const mouse = event?.event;
  if (!layout || !mouse) return null;
  const box = plot.getBoundingClientRect();
  const { xaxis, yaxis } = layout;
  const x = xaxis.p2d(mouse.clientX - box.left - xaxis._offset);
  const y = yaxis.p2d(mouse.clientY - box.top - yaxis._offset);
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}
