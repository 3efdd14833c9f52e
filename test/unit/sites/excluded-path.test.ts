import { describe, expect, it } from 'vitest';
import {
  excludedPathMatcher,
  excludedPathProblem,
  isPathExcluded,
  MAX_EXCLUDED_PATH_WILDCARDS,
} from '../../../workers/ingest/drop/excluded-path';

describe('isPathExcluded', () => {
  it('excludes nothing without patterns', () => {
    expect(isPathExcluded('/admin', [])).toBe(false);
  });

  it('matches a literal path exactly, not its prefix', () => {
    const patterns = ['/preview'];
    expect(isPathExcluded('/preview', patterns)).toBe(true);
    expect(isPathExcluded('/preview/1', patterns)).toBe(false);
    expect(isPathExcluded('/previews', patterns)).toBe(false);
  });

  it('lets * match within one segment and ** across segments', () => {
    expect(isPathExcluded('/blog/hello', ['/blog/*'])).toBe(true);
    expect(isPathExcluded('/blog/hello/comments', ['/blog/*'])).toBe(false);
    expect(isPathExcluded('/blog/hello/comments', ['/blog/**'])).toBe(true);
    expect(isPathExcluded('/blog/hello/edit', ['/blog/*/edit'])).toBe(true);
    expect(isPathExcluded('/blog/hello/view', ['/blog/*/edit'])).toBe(false);
    expect(isPathExcluded('/admin/users/7', ['/admin/**'])).toBe(true);
  });

  it('treats regular-expression characters literally', () => {
    expect(isPathExcluded('/a.b', ['/a.b'])).toBe(true);
    expect(isPathExcluded('/axb', ['/a.b'])).toBe(false);
    expect(isPathExcluded('/(x)+', ['/(x)+'])).toBe(true);
    expect(isPathExcluded('/xx', ['/(x)+'])).toBe(false);
  });

  it('matches any of several patterns and ignores invalid ones', () => {
    const patterns = ['nope', '/a', '/b/**'];
    expect(isPathExcluded('/a', patterns)).toBe(true);
    expect(isPathExcluded('/b/c', patterns)).toBe(true);
    expect(isPathExcluded('nope', patterns)).toBe(false);
  });
});

describe('excluded-path matching cost', () => {
  // Steps grow with the path, times the pattern's wildcards, never with their combinations:
  // a backtracking matcher needs about C(n, 6) tries for this pattern on n a's.
  const pathological = '/*a*a*a*a*a*a*b';

  // Passes the quick checks (starts with "/", ends with "b"), so every wildcard does its work.
  const longPath = (n: number) => `/${'a'.repeat(n)}/b`;
  /** A few passes over the path per wildcard: linear in the path for a given pattern. */
  const linearBound = (n: number) => 3 * (MAX_EXCLUDED_PATH_WILDCARDS + 1) * (n + 4);

  it('decides a pathological pattern against a long path in a linear number of steps', () => {
    const matcher = excludedPathMatcher([pathological]);
    expect(matcher.test(longPath(2_000))).toBe(false);
    expect(matcher.steps).toBeGreaterThan(2_000);
    expect(matcher.steps).toBeLessThanOrEqual(linearBound(2_000));
    expect(matcher.test(`/${'a'.repeat(1_000)}b`)).toBe(true);
  });

  it('doubles its steps, not more, when the path doubles', () => {
    const steps = (n: number) => {
      const matcher = excludedPathMatcher([pathological, '/**/x/*/y', '/*/**a**a**a**b']);
      matcher.test(longPath(n));
      return matcher.steps;
    };
    expect(steps(4_000) / steps(2_000)).toBeLessThan(2.1);
  });

  it('agrees with the pattern rules on mixed * and ** where a greedy match would not', () => {
    // The first "a" cannot be the one: "*" may not cross the "/" before "b".
    expect(isPathExcluded('/a/ab', ['/**a*b'])).toBe(true);
    expect(isPathExcluded('/a/a/b', ['/**a*b'])).toBe(false);
    expect(isPathExcluded('/x/y/z', ['/*/**'])).toBe(true);
    expect(isPathExcluded('/x', ['/*/**'])).toBe(false);
    expect(isPathExcluded('/x/', ['/*/**'])).toBe(true);
    expect(isPathExcluded('/ab', ['/a*b'])).toBe(true);
    expect(isPathExcluded('/a/b', ['/a*b'])).toBe(false);
    expect(isPathExcluded('/a/b', ['/a**b'])).toBe(true);
    expect(isPathExcluded('/aXbYb', ['/a*b'])).toBe(true);
    expect(isPathExcluded('/blog/', ['/blog/*'])).toBe(true);
  });
});

describe('excluded-path matching agrees with the glob rules', () => {
  /** The rules as a regular expression: fine as a reference on short inputs, never in the Worker. */
  function reference(pattern: string, path: string): boolean {
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    return new RegExp(`^${source}$`).test(path);
  }

  it('on 5,000 random short patterns and paths', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = (options: string[]) => options[Math.floor(next() * options.length)] ?? '';
    for (let i = 0; i < 5_000; i++) {
      let pattern = '/';
      const parts = 1 + Math.floor(next() * 6);
      for (let j = 0; j < parts; j++) {
        const token = pick(['a', 'b', '/', '*', '**', 'ab', 'a/']);
        // Keep "***" (invalid) out: no star right after a star.
        if (token.startsWith('*') && pattern.endsWith('*')) continue;
        pattern += token;
      }
      let path = '/';
      const length = Math.floor(next() * 9);
      for (let j = 0; j < length; j++) path += pick(['a', 'b', '/']);
      expect([pattern, path, isPathExcluded(path, [pattern])]).toEqual([
        pattern,
        path,
        reference(pattern, path),
      ]);
    }
  });
});

describe('excludedPathProblem', () => {
  it('says why a pattern is refused', () => {
    expect(excludedPathProblem('/ok/**')).toBeNull();
    expect(excludedPathProblem('relative')).toMatch(/start with/);
    expect(excludedPathProblem(`/${'a'.repeat(200)}`)).toMatch(/at most/);
    expect(excludedPathProblem('/x?y')).toMatch(/query/);
  });

  it(`refuses more than ${MAX_EXCLUDED_PATH_WILDCARDS} wildcards in one pattern`, () => {
    expect(excludedPathProblem(`/${'*/'.repeat(MAX_EXCLUDED_PATH_WILDCARDS)}x`)).toBeNull();
    expect(excludedPathProblem(`/${'*/'.repeat(MAX_EXCLUDED_PATH_WILDCARDS + 1)}x`)).toMatch(/wildcards/);
    expect(excludedPathProblem('/**/**/**/**/**/**/**/**/**')).toMatch(/wildcards/);
  });
});
