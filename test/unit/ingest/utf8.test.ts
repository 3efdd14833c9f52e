import { describe, expect, it } from 'vitest';
import { utf8Length } from '../../../workers/ingest/utf8';

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['ascii only', 10],
    ['é', 2],
    ['日本語', 9],
    ['😀', 4],
    ['a😀b', 6],
    ['\ud800', 3],
    ['\udc00x', 4],
    ['x\ud83d', 4],
  ])('%j is %i bytes, as TextEncoder counts', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
    expect(utf8Length(text)).toBe(new TextEncoder().encode(text).byteLength);
  });

  it('agrees with TextEncoder on the JSON of mixed-script props', () => {
    const json = JSON.stringify({
      p: { body: '日本語のテキスト'.repeat(100), emoji: '🐻‍❄️'.repeat(20), lone: '\ud800' },
    });
    expect(utf8Length(json)).toBe(new TextEncoder().encode(json).byteLength);
  });
});
