/** `drift` with labels: the kernel's centred alignment with the labels against the training step, one line per width. */
import { COLOURS, type Panel } from './plot';

export function alignmentPanel(curves: { width: number; steps: number[]; mean: number[] }[], seeds: number): Panel {
  return {
    title: 'kernel–label alignment during training',
    x: { scale: 'linear', label: 'gradient-descent step' },
    y: { scale: 'linear', label: 'centred alignment with the labels' },
    artists: curves.map((curve, k) => ({
      kind: 'line' as const,
      x: curve.steps,
      y: curve.mean,
      colour: COLOURS[k % COLOURS.length],
      marker: true,
      markerSize: 3,
      label: `width ${curve.width}${seeds > 1 ? `, mean of ${seeds}` : ''}`,
    })),
  };
}
