/**
 * Time-series chart on uPlot (canvas, ~50 KB): lines or stacked bars, the x axis in the site's
 * wall-clock time (the API's labels are already in the site's zone, so they are drawn as UTC).
 * uPlot is loaded on first use, so the sign-in pages do not download it.
 */
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

type UPlot = typeof uPlot;
let uplot: Promise<UPlot> | null = null;
function loadUPlot(): Promise<UPlot> {
  uplot ??= import('uplot').then((m) => m.default);
  return uplot;
}

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS colour or a custom property name like `--accent`. */
  color: string;
  dashed?: boolean;
  fill?: boolean;
}

export interface ChartProps {
  /** Bucket start times in unix seconds. */
  x: number[];
  series: ChartSeries[];
  height?: number;
  /** Stacked bars (values are added up in order) instead of lines. */
  stacked?: boolean;
  /** Formats y values for the axis and the legend. */
  format?: (value: number) => string;
  /** Shows hours on the axis (day views) rather than dates. */
  hourly?: boolean;
  label: string;
}

function cssColor(value: string): string {
  if (!value.startsWith('--')) return value;
  return getComputedStyle(document.documentElement).getPropertyValue(value).trim() || '#888';
}

function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex?.[1]) return color;
  const n = Number.parseInt(hex[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Half the distance between buckets (a day when there is only one). */
function halfStep(x: number[]): number {
  const first = x[0] ?? 0;
  const last = x[x.length - 1] ?? 0;
  return x.length > 1 ? (last - first) / (x.length - 1) / 2 : 43_200;
}

/** Cumulative sums, so that bar i reaches the total of series 0..i. */
function stack(series: ChartSeries[]): (number | null)[][] {
  const out: (number | null)[][] = [];
  let running: number[] = [];
  for (const s of series) {
    running = s.values.map((v, i) => (running[i] ?? 0) + (v ?? 0));
    out.push([...running]);
  }
  return out;
}

export function Chart({ x, series, height = 260, stacked = false, format, hourly, label }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let cancelled = false;
    let cleanup = () => {
      cancelled = true;
    };
    loadUPlot().then((UPlotClass) => {
      if (cancelled) return;
      cleanup = draw(UPlotClass, element);
    });
    return () => cleanup();
  }, [x, series, height, stacked, format, hourly]);

  /** Builds the plot; returns its teardown. */
  function draw(uPlot: UPlot, element: HTMLDivElement): () => void {
    const axis = cssColor('--muted');
    const grid = cssColor('--grid');
    const fmt = format ?? ((v: number) => String(v));
    const values = stacked ? stack(series) : series.map((s) => s.values);
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], gap: 1 });
    // Stacked bars are drawn tallest (the total) first, so each shorter one paints over it.
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: series.length > 1 || stacked },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Bars are centred on their bucket: half a bucket of room on each side, or the first and
        // last bar would be cut in half by the plot's edges.
        x: stacked
          ? { time: true, range: (_u, min, max) => [min - halfStep(x), max + halfStep(x)] }
          : { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: axis,
          grid: { show: false },
          ticks: { stroke: grid },
          // Whole days (or more) between ticks unless the buckets are hours or minutes.
          ...(hourly
            ? { values: '{HH}:{mm}' }
            : {
                values: '{MMM} {D}',
                incrs: [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 91 * 86_400],
              }),
        },
        {
          stroke: axis,
          grid: { stroke: grid, width: 1 },
          ticks: { show: false },
          size: 56,
          values: (_u, ticks) => ticks.map((t) => fmt(t)),
        },
      ],
      series: [
        {},
        ...order.map((i) => {
          const s = series[i] as ChartSeries;
          const color = cssColor(s.color);
          return {
            label: s.label,
            stroke: color,
            width: stacked ? 0 : 2,
            dash: s.dashed ? [6, 4] : undefined,
            fill: stacked ? color : s.fill ? withAlpha(color, 0.12) : undefined,
            points: { show: false },
            paths: stacked ? bars : undefined,
            value: (_u: uPlot, v: number | null) => {
              if (v === null) return '—';
              if (!stacked) return fmt(v);
              // The legend shows the segment, not the running total.
              return fmt(s.values[_u.cursor.idx ?? 0] ?? 0);
            },
          } satisfies uPlot.Series;
        }),
      ],
    };
    const data = [x, ...order.map((i) => values[i] ?? [])] as uPlot.AlignedData;
    const plot = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => {
      const width = element.clientWidth;
      if (width > 0 && width !== plot.width) plot.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }

  return <div class="chart" ref={host} role="img" aria-label={label} />;
}

/** A tiny SVG line for the sites list: no axes, no interaction. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 120;
  const height = 32;
  if (values.length === 0) return <span class="sparkline empty" role="img" aria-label={label} />;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  );
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={label}
    >
      <polyline points={points.join(' ')} fill="none" stroke="currentColor" stroke-width="2" />
    </svg>
  );
}
