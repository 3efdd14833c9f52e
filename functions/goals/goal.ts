/**
 * A site's goals as the API shows and takes them, and the rules for creating one. Pure: the D1 side
 * is store.ts, the ClickHouse side is match.ts. Every problem is a 400 whose code names the field, so
 * a form can point at it; nothing is written unless the whole body is valid.
 */
import { MAX_EVENT_NAME_LENGTH } from '../../workers/ingest/payload/fields';
import { ApiError } from '../errors';
import { pagePatternProblem } from './match';

export const GOAL_KINDS = ['event', 'page', 'scroll', 'revenue'] as const;
export type GoalKind = (typeof GOAL_KINDS)[number];

/** Goals per site. Each one is a condition every raw event of a goal query is tested against. */
export const MAX_GOALS_PER_SITE = 50;
export const MAX_DISPLAY_NAME_LENGTH = 120;

/** What decides which events complete a goal. */
export type GoalTarget =
  | { kind: 'event'; eventName: string }
  | { kind: 'revenue'; eventName: string; currency: string }
  | { kind: 'page'; pagePath: string }
  | { kind: 'scroll'; pagePath: string; scrollThreshold: number };

/** A goal as the stats planner reads it: what it counts, and the name it is shown under. */
export type GoalDefinition = GoalTarget & { displayName: string };

/** A goal as the API shows it: every field present, the ones a kind does not use null. */
export interface GoalJson {
  id: number;
  kind: GoalKind;
  display_name: string;
  event_name: string | null;
  page_path: string | null;
  scroll_threshold: number | null;
  currency: string | null;
  created_at: string;
}

function invalid(code: string, message: string): ApiError {
  return new ApiError(400, code, message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const FIELDS: Record<GoalKind, string[]> = {
  event: ['kind', 'display_name', 'event_name'],
  revenue: ['kind', 'display_name', 'event_name', 'currency'],
  page: ['kind', 'display_name', 'page_path'],
  scroll: ['kind', 'display_name', 'page_path', 'scroll_threshold'],
};

function parseKind(value: unknown): GoalKind {
  if (typeof value === 'string' && (GOAL_KINDS as readonly string[]).includes(value))
    return value as GoalKind;
  throw invalid('invalid_kind', `kind must be one of ${GOAL_KINDS.join(', ')}, got ${show(value)}`);
}

/** A display name: trimmed, 1 to 120 characters, no control characters. */
export function parseDisplayName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name === '' || name.length > MAX_DISPLAY_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid(
      'invalid_display_name',
      `display_name must be text of 1 to ${MAX_DISPLAY_NAME_LENGTH} characters, got ${show(value)}`,
    );
  }
  return name;
}

/** A custom event name as the tracker sends it: matched exactly, so not trimmed. */
function parseEventName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_EVENT_NAME_LENGTH) {
    throw invalid(
      'invalid_event_name',
      `event_name must be a custom event name of 1 to ${MAX_EVENT_NAME_LENGTH} characters, got ${show(value)}`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid('invalid_event_name', 'event_name must not contain control characters');
  }
  if (value === 'pageview' || value === 'engagement') {
    throw invalid('invalid_event_name', `${value} is not a custom event: use a page goal instead`);
  }
  return value;
}

function parsePagePath(value: unknown): string {
  const problem = typeof value === 'string' ? pagePatternProblem(value) : 'is required';
  if (problem !== null) {
    throw invalid(
      'invalid_page_path',
      `page_path ${problem} (e.g. "/pricing", "/blog/**", "/docs/*/install"), got ${show(value)}`,
    );
  }
  return value as string;
}

function parseScrollThreshold(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100) {
    throw invalid(
      'invalid_scroll_threshold',
      `scroll_threshold must be a whole percentage from 1 to 100, got ${show(value)}`,
    );
  }
  return value;
}

/** ISO 4217 codes the runtime knows (V8's list), read once. */
let currencies: ReadonlySet<string> | null = null;

function parseCurrency(value: unknown): string {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!currencies.has(code)) {
    throw invalid(
      'invalid_currency',
      `currency must be an ISO 4217 code such as EUR or USD, got ${show(value)}`,
    );
  }
  return code;
}

/** The name a goal gets when the body gives none. */
export function defaultDisplayName(goal: GoalTarget): string {
  switch (goal.kind) {
    case 'event':
    case 'revenue':
      return goal.eventName;
    case 'page':
      return `Visit ${goal.pagePath}`;
    case 'scroll':
      return `Scroll ${goal.scrollThreshold}% on ${goal.pagePath}`;
  }
}

/** A goal from a POST body; fields of other kinds are refused rather than ignored. */
export function parseNewGoal(body: Record<string, unknown>): GoalDefinition {
  const kind = parseKind(body.kind);
  const allowed = FIELDS[kind];
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      'unknown_field',
      `a ${kind} goal does not take ${unknown.slice(0, 5).join(', ')}; it takes ${allowed.join(', ')}`,
    );
  }
  let goal: GoalTarget;
  switch (kind) {
    case 'event':
      goal = { kind, eventName: parseEventName(body.event_name) };
      break;
    case 'revenue':
      goal = { kind, eventName: parseEventName(body.event_name), currency: parseCurrency(body.currency) };
      break;
    case 'page':
      goal = { kind, pagePath: parsePagePath(body.page_path) };
      break;
    case 'scroll':
      goal = {
        kind,
        pagePath: parsePagePath(body.page_path),
        scrollThreshold: parseScrollThreshold(body.scroll_threshold),
      };
      break;
  }
  const displayName =
    body.display_name === undefined
      ? parseDisplayName(defaultDisplayName(goal).slice(0, MAX_DISPLAY_NAME_LENGTH))
      : parseDisplayName(body.display_name);
  return { ...goal, displayName };
}

/** The display name from a PATCH body, the only thing that changes on a goal. */
export function parseGoalChange(body: Record<string, unknown>): string {
  const unknown = Object.keys(body).filter((key) => key !== 'display_name');
  if (unknown.length > 0) {
    throw invalid(
      'unknown_field',
      `cannot change ${unknown.slice(0, 5).join(', ')}; changeable: display_name (delete the goal and add a new one to change what it counts)`,
    );
  }
  return parseDisplayName(body.display_name);
}
