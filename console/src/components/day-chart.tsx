// Coupons issued and redeemed per day, drawn by Chart.js (only the bar chart parts are bundled).
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { DayStats } from '../types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Colours that keep 3:1 contrast on white and differ for the common colour-vision deficiencies. */
const ISSUED = '#1f5fbf';
const REDEEMED = '#c2570c';

export function DayChart({ days, label }: { days: readonly DayStats[]; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);

  // Layout effects, so the canvas has its size in the same commit that shows its label.
  useLayoutEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  useLayoutEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = days.map((d) => d.date.slice(5));
    c.data.datasets = [
      { label: 'Issued', data: days.map((d) => d.issued), backgroundColor: ISSUED },
      { label: 'Redeemed', data: days.map((d) => d.redeemed), backgroundColor: REDEEMED },
    ];
    c.update();
  }, [days]);

  const issued = days.reduce((n, d) => n + d.issued, 0);
  const redeemed = days.reduce((n, d) => n + d.redeemed, 0);
  return (
    <div class="chart">
      <canvas
        ref={canvas}
        role="img"
        aria-label={`${label}: ${issued} issued and ${redeemed} redeemed in ${days.length} days`}
      >
        {issued} issued and {redeemed} redeemed; the table below lists each day.
      </canvas>
    </div>
  );
}
