// A dependency-free SVG chart of the serving benchmark: req/s and p99 latency against
// concurrency, one line per route.

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

const WIDTH = 420;
const HEIGHT = 300;
const MARGIN = { left: 60, right: 16, top: 36, bottom: 44 };

function panel(
  title: string,
  yLabel: string,
  series: Series[],
  offsetX: number,
  logY: boolean,
  xLabel = 'concurrent clients',
): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
  const scaleY = logY ? Math.log10 : (y: number) => y;
  const yMin = logY ? Math.floor(Math.log10(Math.min(...ys))) : 0;
  const yMax = logY ? Math.ceil(Math.log10(Math.max(...ys))) : Math.max(...ys) * 1.1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => offsetX + MARGIN.left + (xs.indexOf(x) / Math.max(1, xs.length - 1)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((scaleY(Math.max(y, 1e-9)) - yMin) / (yMax - yMin || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<text x="${offsetX + WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">${title}</text>`);
  const ticks = logY
    ? Array.from({ length: yMax - yMin + 1 }, (_, i) => 10 ** (yMin + i))
    : Array.from({ length: 5 }, (_, i) => (yMax / 4) * i);
  for (const tick of ticks) {
    const y = py(tick);
    parts.push(
      `<line x1="${offsetX + MARGIN.left}" x2="${offsetX + WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${offsetX + MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${Math.round(tick)}</text>`,
    );
  }
  for (const x of xs) {
    parts.push(`<text x="${px(x)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${x}</text>`);
  }
  parts.push(`<text x="${offsetX + WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${xLabel}</text>`);
  parts.push(
    `<text transform="translate(${offsetX + 14},${HEIGHT / 2}) rotate(-90)" text-anchor="middle" font-size="12">${yLabel}</text>`,
  );
  for (const s of series) {
    const path = s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.color}"/>`);
  }
  return parts.join('\n');
}

/** One swatch and name per series, `spacing` px apart from `left`, under the plot. */
function legendOf(series: Series[], spacing: number, left = 70): string {
  return series
    .map(
      (s, i) =>
        `<rect x="${left + i * spacing}" y="${HEIGHT + 6}" width="12" height="12" fill="${s.color}"/><text x="${left + 18 + i * spacing}" y="${HEIGHT + 17}" font-size="12">${s.name}</text>`,
    )
    .join('\n');
}

export function serveChart(throughput: Series[], p99: Series[], caption: string): string {
  const legend = legendOf(throughput, 150);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * 2}" height="${HEIGHT + 48}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${panel('Throughput (req/s, higher is better)', 'req/s', throughput, 0, false)}
${panel('server-side p99 latency (ms, log scale, lower is better)', 'ms', p99, WIDTH, true)}
${legend}
<text x="${WIDTH}" y="${HEIGHT + 40}" text-anchor="middle" font-size="11" fill="#555">${caption}</text>
</svg>
`;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** Goodput against offered load (as a multiple of capacity), one line per contender. */
export function overloadChart(
  byLoad: Map<number, { contender: string; goodput: number }[]>,
  contenders: readonly string[],
  caption: string,
): string {
  const series: Series[] = contenders.map((name, i) => ({
    name,
    color: COLORS[i % COLORS.length]!,
    points: [...byLoad].map(([load, outcomes]) => ({
      x: load,
      y: outcomes.find((o) => o.contender === name)?.goodput ?? 0,
    })),
  }));
  const legend = legendOf(series, 100, 20);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT + 48}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${panel('Goodput (answers within the deadline per s)', 'answers/s', series, 0, false, 'offered load (x capacity)')}
${legend}
<text x="${WIDTH / 2}" y="${HEIGHT + 40}" text-anchor="middle" font-size="11" fill="#555">${caption}</text>
</svg>
`;
}
