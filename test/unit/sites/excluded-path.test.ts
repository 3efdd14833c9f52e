import { describe, expect, it } from 'vitest';
import { excludedPathProblem, isPathExcluded } from '../../../workers/ingest/drop/excluded-path';

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

describe('excludedPathProblem', () => {
  it('says why a pattern is refused', () => {
    expect(excludedPathProblem('/ok/**')).toBeNull();
    expect(excludedPathProblem('relative')).toMatch(/start with/);
    expect(excludedPathProblem(`/${'a'.repeat(200)}`)).toMatch(/at most/);
    expect(excludedPathProblem('/x?y')).toMatch(/query/);
  });
});
