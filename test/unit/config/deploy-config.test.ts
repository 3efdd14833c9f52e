/**
 * What a deploy ships: wrangler.toml's environments and public/_headers, read as files. The
 * behaviour behind them has workerd tests (test/workers/config); these keep the files honest.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingSecrets } from '../../../workers/config';
import type { Env } from '../../../workers/env';

const toml = readFileSync('wrangler.toml', 'utf8');

/** The lines of one table ("vars", "env.production.vars", …) up to the next table header. */
function table(name: string): string {
  const start = toml.indexOf(`\n[${name}]\n`);
  if (start < 0) throw new Error(`no [${name}] in wrangler.toml`);
  const rest = toml.slice(start + name.length + 4);
  const end = rest.search(/\n\[/);
  return end < 0 ? rest : rest.slice(0, end);
}

function stringVar(section: string, name: string): string | undefined {
  return new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(section)?.[1];
}

describe('wrangler.toml', () => {
  it('top level (a bare `wrangler deploy`) is production and names no local ClickHouse', () => {
    const vars = table('vars');
    expect(stringVar(vars, 'ENVIRONMENT')).toBe('production');
    expect(stringVar(vars, 'CLICKHOUSE_URL')).toBe('');
    expect(toml).not.toMatch(/^[A-Z_]+\s*=\s*"https?:\/\/(127\.0\.0\.1|localhost)/m);
  });

  it('production and staging are production and require every secret production needs', () => {
    const required = missingSecrets({ ENVIRONMENT: 'production' } as Env).sort();
    for (const name of ['production', 'staging']) {
      const vars = table(`env.${name}.vars`);
      expect(stringVar(vars, 'ENVIRONMENT'), name).toBe(name);
      const secrets = /required\s*=\s*\[([^\]]*)\]/.exec(table(`env.${name}.secrets`))?.[1] ?? '';
      expect([...secrets.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]).sort(), name).toEqual(required);
    }
  });

  it('every environment repeats the bindings wrangler does not inherit', () => {
    for (const prefix of ['', 'env.production.', 'env.staging.']) {
      expect(toml, prefix).toContain(`[[${prefix}d1_databases]]\nbinding = "DB"`);
      for (const binding of ['RATE_LIMITER', 'METRICS']) {
        expect(toml, prefix).toContain(`[[${prefix}durable_objects.bindings]]\nname = "${binding}"`);
      }
      for (const binding of ['EVENTS_QUEUE', 'EVENTS_DLQ']) {
        expect(toml, prefix).toMatch(
          new RegExp(
            `\\[\\[${prefix.replaceAll('.', '\\.')}queues\\.producers\\]\\]\\nqueue = "[^"]+"\\nbinding = "${binding}"`,
          ),
        );
      }
      expect(toml.split(`[[${prefix}queues.consumers]]`).length - 1, prefix).toBe(2);
    }
  });

  it('states no tunable: their defaults live in workers/config.ts alone', () => {
    for (const name of [
      'GROUP_COMMIT_MS',
      'RATE_LIMIT_PER_IP',
      'SEAL_DAYS_PER_RUN',
      'CLICKHOUSE_ASYNC_INSERT',
    ]) {
      expect(toml).not.toMatch(new RegExp(`^${name}\\s*=`, 'm'));
    }
  });
});

/** A policy as a map of directive → sources, so order and spacing do not matter. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name ?? '', sources.join(' ')]),
  );
}

describe('public/_headers', () => {
  const headers = readFileSync('public/_headers', 'utf8');

  it("carries the dashboard's <meta> policy, plus frame-ancestors which a <meta> cannot", () => {
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
      readFileSync('dashboard/index.html', 'utf8'),
    )?.[1];
    const header = /^\/\*\n(?:\s+.*\n)*?\s+Content-Security-Policy: (.+)$/m.exec(headers)?.[1];
    expect(meta).toBeDefined();
    expect(header).toBeDefined();
    const fromHeader = directives(header ?? '');
    expect(fromHeader.get('frame-ancestors')).toBe("'none'");
    fromHeader.delete('frame-ancestors');
    expect(fromHeader).toEqual(directives(meta ?? ''));
  });

  it("sends the dashboard's <meta> referrer policy as a header", () => {
    const meta = /<meta name="referrer" content="([^"]+)"/.exec(
      readFileSync('dashboard/index.html', 'utf8'),
    )?.[1];
    expect(headers).toContain(`Referrer-Policy: ${meta}`);
  });
});
