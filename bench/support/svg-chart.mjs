// Line charts as a standalone SVG document, written by hand (no charting dependency): a grid of
// panels, each with its own axes (linear or logarithmic), lines with point markers, and a legend.
// Used by gateway-throughput.mjs for throughput and latency versus concurrency.

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const MARGIN = { left: 62, right: 18, top: 34, bottom: 46 };
const HEADER = 58;

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const round = (value) => Math.round(value * 10) / 10;

/** Short tick labels: 1,500 -> 1.5k, 0.25 -> 0.25. */
export function formatTick(value) {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return `${+(value / 1000).toFixed(1)}k`;
  if (Math.abs(value) >= 1) return `${+value.toFixed(1)}`;
  return `${+value.toPrecision(2)}`;
}

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function linearTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const ticks = [];
  for (let value = 0; value < max + step; value += step) ticks.push(+value.toPrecision(12));
  return ticks;
}

/** 1, 2 and 5 times each power of ten from below `min` to above `max`. */
export function logTicks(min, max) {
  const ticks = [];
  for (let exp = Math.floor(Math.log10(min)); exp <= Math.ceil(Math.log10(max)); exp++) {
    for (const m of [1, 2, 5]) ticks.push(+(m * 10 ** exp).toPrecision(12));
  }
  // Keep one tick on each side of the data, so the lines never touch the frame.
  const below = ticks.filter((t) => t <= min).at(-1) ?? ticks[0];
  const above = ticks.find((t) => t >= max) ?? ticks.at(-1);
  return ticks.filter((t) => t >= below && t <= above);
}

/**
 * One panel at (x, y) of size width x height. `panel`: { title, xLabel, yLabel, xTicks (the x
 * values to label), xLog, yLog, series: [{ name, color, dash, points: [[x, y], ...], labels }] }.
 */
function renderPanel(panel, x, y, width, height) {
  const plot = { x: x + MARGIN.left, y: y + MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };
  const points = panel.series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v) && (!panel.yLog || v > 0));
  const ys = points.map(([, v]) => v);
  // A linear axis gets a quarter of headroom, so the legend in the top-left corner clears the lines.
  const yTicks = panel.yLog ? logTicks(Math.min(...ys), Math.max(...ys)) : linearTicks(1.25 * Math.max(...ys, 0));
  const [y0, y1] = [yTicks[0], yTicks.at(-1)];
  const xs = panel.xTicks;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const scale = (log, v, a, b) => (log ? (Math.log(v) - Math.log(a)) / (Math.log(b) - Math.log(a)) : (v - a) / (b - a));
  const px = (v) => round(plot.x + (x1 === x0 ? 0.5 : scale(panel.xLog, v, x0, x1)) * plot.w);
  const py = (v) => round(plot.y + plot.h - scale(panel.yLog, v, y0, y1) * plot.h);

  const out = [`<g>`];
  out.push(`<text x="${round(x + width / 2)}" y="${y + 20}" text-anchor="middle" font-size="14" font-weight="600">${escape(panel.title)}</text>`);
  // Grid and tick labels.
  for (const t of yTicks) {
    out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${py(t)}" y2="${py(t)}" stroke="#e4e4e7"/>`);
    out.push(`<text x="${plot.x - 6}" y="${py(t) + 4}" text-anchor="end" font-size="11" fill="#52525b">${formatTick(t)}</text>`);
  }
  for (const t of xs) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${plot.y}" y2="${plot.y + plot.h}" stroke="#f4f4f5"/>`);
    out.push(`<text x="${px(t)}" y="${plot.y + plot.h + 16}" text-anchor="middle" font-size="11" fill="#52525b">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="none" stroke="#a1a1aa"/>`);
  out.push(`<text x="${round(plot.x + plot.w / 2)}" y="${y + height - 8}" text-anchor="middle" font-size="12" fill="#3f3f46">${escape(panel.xLabel)}</text>`);
  const yMid = round(plot.y + plot.h / 2);
  out.push(`<text x="${x + 14}" y="${yMid}" text-anchor="middle" font-size="12" fill="#3f3f46" transform="rotate(-90 ${x + 14} ${yMid})">${escape(panel.yLabel)}</text>`);
  // Lines, then markers on top.
  for (const s of panel.series) {
    const drawn = s.points.filter(([, v]) => Number.isFinite(v) && (!panel.yLog || v > 0));
    if (drawn.length === 0) continue;
    const path = drawn.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${px(a)} ${py(b)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    for (const [a, b] of drawn) out.push(`<circle cx="${px(a)}" cy="${py(b)}" r="3" fill="${s.color}"/>`);
    // Optional text beside each point (a ratio, say), below it so it stays clear of the line above.
    s.points.forEach(([a, b], i) => {
      const label = s.labels?.[i];
      if (label === undefined || !Number.isFinite(b)) return;
      // At the ends of the axis the text leans inwards, off the frame.
      const [anchor, dx] = a === x0 ? ['start', 4] : a === x1 ? ['end', -4] : ['middle', 0];
      out.push(`<text x="${px(a) + dx}" y="${py(b) + 16}" text-anchor="${anchor}" font-size="10" fill="${s.color}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escape(label)}</text>`);
    });
  }
  // Legend in the top-left corner of the plot, where both kinds of chart here have no data
  // (throughput and latency both rise with concurrency).
  const rowHeight = 16;
  const legendWidth = 34 + 6.6 * Math.max(...panel.series.map((s) => s.name.length));
  out.push(`<rect x="${plot.x + 8}" y="${plot.y + 8}" width="${round(legendWidth)}" height="${panel.series.length * rowHeight + 8}" fill="#ffffff" fill-opacity="0.9" stroke="#e4e4e7"/>`);
  panel.series.forEach((s, i) => {
    const ly = plot.y + 20 + i * rowHeight;
    out.push(`<line x1="${plot.x + 14}" x2="${plot.x + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${plot.x + 42}" y="${ly}" font-size="11" fill="#27272a">${escape(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** A whole SVG document: a title, a subtitle, and the panels in rows of `columns`. */
export function renderChart({ title, subtitle, panels, columns = 2, panelWidth = 460, panelHeight = 300 }) {
  const rows = Math.ceil(panels.length / columns);
  const width = columns * panelWidth;
  const height = HEADER + rows * panelHeight;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    // An opaque background, so the chart reads the same on a dark page.
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="700" fill="#18181b">${escape(title)}</text>`,
    `<text x="${width / 2}" y="44" text-anchor="middle" font-size="11" fill="#52525b">${escape(subtitle)}</text>`,
  ];
  panels.forEach((panel, i) => {
    out.push(renderPanel(panel, (i % columns) * panelWidth, HEADER + Math.floor(i / columns) * panelHeight, panelWidth, panelHeight));
  });
  out.push('</svg>', '');
  return out.join('\n');
}
