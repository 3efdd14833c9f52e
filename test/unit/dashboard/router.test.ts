import { describe, expect, it } from 'vitest';
import { match } from '../../../dashboard/src/router';

describe('route matching', () => {
  it('names the parts of a path', () => {
    expect(match('/sites/:id', '/sites/42')).toEqual({ id: '42' });
    expect(match('/sites/:id/settings', '/sites/42/settings')).toEqual({ id: '42' });
    expect(match('/share/:id', '/share/q8X2c0hV7mJ1kLr4tYw9Ab/')).toEqual({ id: 'q8X2c0hV7mJ1kLr4tYw9Ab' });
  });

  it('decodes parts, and refuses paths of another shape or with broken escapes', () => {
    expect(match('/sites/:id', '/sites/a%20b')).toEqual({ id: 'a b' });
    expect(match('/sites/:id', '/sites/42/settings')).toBeNull();
    expect(match('/sites/:id', '/sites/')).toBeNull();
    expect(match('/sites/:id', '/site/42')).toBeNull();
    expect(match('/sites/:id', '/sites/%E0%A4%A')).toBeNull();
  });
});
