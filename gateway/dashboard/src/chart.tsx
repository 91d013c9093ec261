// A bar chart of records corroborated per period, drawn by uPlot, with its text alternative: a
// summary for screen readers and the same numbers in a table anyone can open.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartPoint {
  readonly start: string;
  readonly records: number;
}

interface ChartProps {
  readonly title: string;
  readonly points: readonly ChartPoint[];
  /** How a period's start is written in the table: minutes or hours. */
  readonly unit: 'minute' | 'hour';
}

export function ThroughputChart({ title, points, unit }: ChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const total = points.reduce((sum, point) => sum + point.records, 0);
  const busiest = points.reduce<ChartPoint | undefined>(
    (best, point) => (best === undefined || point.records > best.records ? point : best),
    undefined,
  );
  const summary =
    total === 0
      ? `${title}: no records corroborated in the last ${points.length} ${unit}s.`
      : `${title}: ${total} record${total === 1 ? '' : 's'} corroborated in the last ${points.length} ${unit}s; the busiest ${unit} began ${label(busiest?.start ?? '', unit)} with ${busiest?.records ?? 0}.`;

  useEffect(() => {
    const element = container.current;
    if (!element) return undefined;
    const data: uPlot.AlignedData = [
      points.map((point) => Date.parse(point.start) / 1000),
      points.map((point) => point.records),
    ];
    const styles = getComputedStyle(element);
    const accent = styles.getPropertyValue('--accent').trim() || '#2563eb';
    const ink = styles.getPropertyValue('--ink').trim() || '#111827';
    const grid = styles.getPropertyValue('--line').trim() || '#e5e7eb';
    const width = () => Math.max(240, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 200,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: (_self, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: ink, grid: { stroke: grid } },
          {
            stroke: ink,
            grid: { stroke: grid },
            size: 48,
            // Records are whole: no fractional ticks.
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000],
            values: (_self, splits) => splits.map((split) => String(split)),
          },
        ],
        series: [
          {},
          {
            label: 'records',
            stroke: accent,
            fill: accent,
            paths: uPlot.paths.bars?.({ size: [0.8, 40] }),
            points: { show: false },
          },
        ],
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 200 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} class="chart-canvas" role="img" aria-label={summary} />
      <p class="chart-summary">{summary}</p>
      <details>
        <summary>Data table: {title.toLowerCase()}</summary>
        <table>
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{unit === 'minute' ? 'Minute' : 'Hour'} starting (UTC)</th>
              <th scope="col">Records</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.start}>
                <td>{label(point.start, unit)}</td>
                <td>{point.records}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function label(start: string, unit: 'minute' | 'hour'): string {
  const time = start.slice(11, 16);
  return unit === 'minute' ? time : `${start.slice(0, 10)} ${time}`;
}
