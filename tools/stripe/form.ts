/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracket notation for nested
 * values (`metadata[plan]=growth`, `line_items[0][price]=price_x`, `expand[]=customer`), the same
 * shape in a GET's query string. Decoded into plain nested values; objects whose keys are all
 * indexes become arrays, as the SDK encodes arrays that way.
 */

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** A body Stripe would refuse: the message is Stripe's style, shown to the caller as a 400. */
export class FormError extends Error {}

/** Keys that would reach an object's prototype; nothing Stripe accepts is named like this. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** `a[b][0][]` → ['a', 'b', '0', ''] */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const parts = [key.slice(0, open)];
  const pattern = /\[([^[\]]*)\]/gy;
  pattern.lastIndex = open;
  let match = pattern.exec(key);
  while (match) {
    parts.push(match[1] ?? '');
    if (pattern.lastIndex === key.length) return parts;
    match = pattern.exec(key);
  }
  throw new FormError(`Invalid parameter name: ${key}`);
}

function isObject(value: FormValue | undefined): value is FormObject {
  return typeof value === 'object' && !Array.isArray(value);
}

function assign(target: FormObject, parts: readonly string[], value: string, key: string): void {
  let node = target;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (FORBIDDEN_KEYS.has(part)) throw new FormError(`Invalid parameter name: ${key}`);
    const last = i === parts.length - 1;
    // `expand[]=a&expand[]=b`: an empty index appends, kept as the next numeric key.
    const name = part === '' ? String(Object.keys(node).length) : part;
    if (last) {
      if (node[name] !== undefined) throw new FormError(`Invalid parameter: ${key} was given twice`);
      node[name] = value;
      return;
    }
    const next = node[name];
    if (next === undefined) {
      const child: FormObject = {};
      node[name] = child;
      node = child;
    } else if (isObject(next)) {
      node = next;
    } else {
      throw new FormError(`Invalid parameter: ${key} mixes a value and nested values`);
    }
  }
}

/** Objects keyed 0..n-1 become arrays, recursively. */
function arrayify(value: FormValue): FormValue {
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arrayify(value[k] ?? '')] as const);
  const indexed = keys.length > 0 && keys.every((k, i) => k === String(i));
  if (indexed) return entries.map(([, v]) => v);
  const out: FormObject = {};
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Decodes a form body or a query string into nested values. */
export function decodeForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) assign(root, splitKey(key), value, key);
  const decoded = arrayify(root);
  return isObject(decoded) ? decoded : {};
}

/** A string parameter, or undefined when absent; a nested value where a string belongs is a 400. */
export function stringParam(form: FormObject, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new FormError(`Invalid string: ${name}`);
  return value;
}

/** A `key[sub]=value` map of strings such as `metadata`; empty when absent. */
export function stringMap(form: FormObject, name: string): Record<string, string> {
  const value = form[name];
  if (value === undefined || value === '') return {};
  if (!isObject(value)) throw new FormError(`Invalid object: ${name}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new FormError(`Invalid string: ${name}[${k}]`);
    out[k] = v;
  }
  return out;
}

/** A nested object parameter (e.g. `subscription_data`), or an empty one when absent. */
export function objectParam(form: FormObject, name: string): FormObject {
  const value = form[name];
  if (value === undefined || value === '') return {};
  if (!isObject(value)) throw new FormError(`Invalid object: ${name}`);
  return value;
}

/** An array parameter (e.g. `line_items`, `expand`); empty when absent. */
export function arrayParam(form: FormObject, name: string): FormValue[] {
  const value = form[name];
  if (value === undefined || value === '') return [];
  if (!Array.isArray(value)) throw new FormError(`Invalid array: ${name}`);
  return value;
}
