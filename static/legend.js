// A chart's legend worked out before plotly.js draws it, so that its room is in the figure from
// the start: plotly.js otherwise reserves it as it draws the legend, and a margin that changes
// makes it draw the whole chart a second time. Pure: text widths come from `measure(text, font)`
// (the mount module's, which measures SVG text as plotly.js does).

export const LEGEND_GAP = 8; // px between a chart's legend and what lies below it

// A figure's margins as plotly.js takes them: its own, over its template's, over plotly.js's.
export function marginOf(layout) {
  return { l: 80, r: 80, t: 100, b: 80, ...layout.template?.layout?.margin, ...layout.margin };
}

// The legend of figure `fig` drawn `width` px wide (`guess`, legendHeight's), its room put in the
// figure's bottom margin. `below`: the px the legend adds under the plot (the chart's element is
// that much taller, so that the plot keeps its height).
export function reserveLegend(fig, width, measure) {
  const guess = legendHeight(fig, width, measure);
  if (!guess) return { guess, below: 0 };
  const margin = marginOf(fig.layout);
  fig.layout.margin = { ...margin, b: margin.b + guess + LEGEND_GAP };
  return { guess, below: guess + LEGEND_GAP };
}

// Trace types whose legend entry plotly.js hides unless asked (their showlegend defaults to false).
const NO_LEGEND_ENTRY = new Set(["contour", "heatmap", "surface", "histogram2d", "histogram2dcontour", "mesh3d"]);

// The height of a legend in a row (wrapping) at the foot of figure `fig` drawn `width` px wide, as
// plotly.js 4 lays it out (components/legend/draw.js), before it is drawn: 0 where the figure shows
// none, null where this cannot tell (another kind of legend, names with markup). Entries are
// itemwidth + 2 itemGap px plus their text; all in one row when they fit the plot's width, else a
// grid of the widest (grouped: each legendgroup a column of its entries, rows of columns
// tracegroupgap apart); a row is max(1.3 font size, 16) + 3 px, with 2 (borderwidth + itemGap)
// around. A guess: the drawn legend is measured after the draw, and a wrong guess costs the
// relayout it saves when right.
export function legendHeight(fig, width, measure) {
  const { data, layout } = fig;
  const base = layout.template?.layout ?? {};
  const legend = { ...base.legend, ...layout.legend };
  const visible = data.filter((t) => t.visible !== false);
  const entry = (t) => !NO_LEGEND_ENTRY.has(t.type ?? "scatter");
  const shown = visible.filter((t) => t.showlegend ?? entry(t));
  // plotly.js's default: a legend where some entry shows and two could (a trace whose
  // showlegend is false but whose type has entries counts; one set true counts twice)
  const could = visible.filter((t) => t.showlegend === true || entry(t)).length + visible.filter((t) => t.showlegend === true).length;
  const show = layout.showlegend ?? (shown.length > 0 && could > 1);
  if (!show || shown.length === 0) return 0;
  if ((legend.orientation ?? "v") !== "h" || legend.entrywidth || legend.title?.text) return null;
  if (shown.some((t) => /[<&\n]/.test(t.name ?? ""))) return null; // markup: measured otherwise
  const font = { size: 12, family: '"Open Sans", verdana, arial, sans-serif', ...base.font, ...layout.font, ...base.legend?.font, ...layout.legend?.font };
  const margin = marginOf(layout);
  const gap = 5; // plotly.js's itemGap
  const border = legend.borderwidth ?? 0;
  const item = (legend.indentation ?? 0) + (legend.itemwidth ?? 30) + 2 * gap;
  const row = Math.max(1.3 * font.size, 16) + 3;
  const widest = Math.max(width - margin.l - margin.r, 2 * item);
  const widthOf = (t) => item + measure(t.name ?? "", font);
  let height;
  if (visible.some((t) => t.legendgroup)) {
    // grouped (plotly's default traceorder where any trace has a legendgroup)
    const groups = new Map();
    shown.forEach((t, i) => {
      const key = t.legendgroup || `~${i}`;
      groups.set(key, [...(groups.get(key) ?? []), widthOf(t)]);
    });
    let x = 0;
    let y = 0;
    let tallest = 0;
    for (const widths of groups.values()) {
      const w = Math.max(...widths) + gap;
      const h = row * widths.length;
      if (x > 0 && w + border + x > widest) {
        y += tallest + (legend.tracegroupgap ?? 10);
        x = 0;
        tallest = h;
      } else tallest = Math.max(tallest, h);
      x += w;
    }
    height = y + tallest;
  } else {
    const widths = shown.map(widthOf);
    const oneRow = widths.reduce((a, b) => a + b, 0) + 2 * border + (widths.length - 1) * gap < widest;
    const cell = Math.max(...widths);
    let x = 0;
    let rows = 1;
    for (const w of widths) {
      const next = (oneRow ? w : cell) + gap;
      if (x > 0 && next + border + x - gap >= widest) {
        rows += 1;
        x = 0;
      }
      x += next;
    }
    height = rows * row;
  }
  return Math.ceil(height + 2 * (border + gap));
}
