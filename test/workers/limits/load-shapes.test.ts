import { describe, expect, it } from 'vitest';
import { loadShapes, runShape } from './load-shapes';

/**
 * Issue 13, item 4: at most 50 rate-limiter Durable Object calls per 1,000 events under every
 * load shape, with the documented overshoot bound holding. The figures line is what
 * scripts/bench/do-calls.ts reads for docs/benchmarks.md.
 */
describe('rate-limiter Durable Object calls under every load shape', () => {
  it.each(loadShapes().map((shape) => [shape.name, shape] as const))('%s', async (_name, shape) => {
    const figures = await runShape(shape);
    console.log(`DO-CALL-FIGURES ${JSON.stringify(figures)}`);
    expect(figures.boundHolds).toBe(true);
    expect(figures.noFalseRefusals).toBe(true);
    expect(figures.callsPer1000).toBeLessThanOrEqual(50);
  });
});
