/**
 * A site's funnels as the API shows and takes them (docs/funnels.md). Pure: D1 is store.ts,
 * ClickHouse is plan.ts. A funnel is a name and 2 to 8 distinct goals of its site, step 1 first.
 * Every problem is a 400 whose code names the field; nothing is written unless the body is valid.
 */
import { ApiError } from '../errors';

export const MIN_FUNNEL_STEPS = 2;
export const MAX_FUNNEL_STEPS = 8;
/** Funnels per site (each is only a list of goal ids; the cost is in querying, not storing). */
export const MAX_FUNNELS_PER_SITE = 20;
export const MAX_FUNNEL_NAME_LENGTH = 120;

export interface FunnelStepJson {
  goal_id: number;
  display_name: string;
}

export interface FunnelJson {
  id: number;
  name: string;
  steps: FunnelStepJson[];
  created_at: string;
  updated_at: string;
}

/** What a POST writes, and what a PATCH may change. */
export interface FunnelInput {
  name: string;
  steps: number[];
}

function invalid(code: string, message: string): ApiError {
  return new ApiError(400, code, message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A funnel name: trimmed, 1 to 120 characters, no control characters. */
export function parseFunnelName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name === '' || name.length > MAX_FUNNEL_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid(
      'invalid_name',
      `name must be text of 1 to ${MAX_FUNNEL_NAME_LENGTH} characters, got ${show(value)}`,
    );
  }
  return name;
}

/**
 * Step goal ids: 2 to 8 positive whole numbers, none twice (a goal twice in a row would let one
 * event complete two steps). Whether each is a goal of the site is the store's check.
 */
export function parseSteps(value: unknown): number[] {
  if (!Array.isArray(value) || value.length < MIN_FUNNEL_STEPS || value.length > MAX_FUNNEL_STEPS) {
    throw invalid(
      'invalid_steps',
      `steps must be a list of ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} goal ids, step 1 first, got ${show(value)}`,
    );
  }
  value.forEach((id, i) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 2 ** 53) {
      throw invalid('invalid_steps', `steps[${i}] must be a goal id, got ${show(id)}`);
    }
  });
  const ids = value as number[];
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw invalid('invalid_steps', `goal ${twice} is a step twice; each goal at most once`);
  return ids;
}

function refuseUnknown(body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((key) => key !== 'name' && key !== 'steps');
  if (unknown.length > 0) {
    throw invalid(
      'unknown_field',
      `a funnel does not take ${unknown.slice(0, 5).join(', ')}; it takes name, steps`,
    );
  }
}

/** A funnel from a POST body. */
export function parseNewFunnel(body: Record<string, unknown>): FunnelInput {
  refuseUnknown(body);
  return { name: parseFunnelName(body.name), steps: parseSteps(body.steps) };
}

/** The fields a PATCH body changes (at least one). */
export function parseFunnelChange(body: Record<string, unknown>): Partial<FunnelInput> {
  refuseUnknown(body);
  if (body.name === undefined && body.steps === undefined) {
    throw invalid('invalid_body', 'nothing to change: send name, steps or both');
  }
  return {
    ...(body.name === undefined ? {} : { name: parseFunnelName(body.name) }),
    ...(body.steps === undefined ? {} : { steps: parseSteps(body.steps) }),
  };
}
