import { describe, expect, it } from 'vitest';
import { csvField, csvFileName, toCsv } from '../../../dashboard/src/lib/csv';

describe('csvField', () => {
  it('leaves plain text and numbers as they are', () => {
    expect(csvField('/pricing')).toBe('/pricing');
    expect(csvField(1234)).toBe('1234');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(0.25)).toBe('0.25');
  });

  it('quotes fields with commas, quotes and line breaks, doubling the quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('keeps leading and trailing spaces by quoting', () => {
    expect(csvField(' padded ')).toBe('" padded "');
  });

  it('turns would-be spreadsheet formulas from visitors into text', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-2+3')).toBe("'-2+3");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('writes empty cells for missing values and non-finite numbers', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });
});

describe('toCsv', () => {
  it('writes a header and one CRLF-terminated line per row', () => {
    const csv = toCsv(
      ['Page', 'Visitors'],
      [
        ['/', 10],
        ['<img src=x onerror=alert(1)>', 2],
        ['/a,b', null],
      ],
    );
    expect(csv).toBe('Page,Visitors\r\n/,10\r\n<img src=x onerror=alert(1)>,2\r\n"/a,b",\r\n');
  });
});

describe('csvFileName', () => {
  it('builds a safe file name from its parts', () => {
    expect(csvFileName('example.com', 'pages', '7d')).toBe('example.com-pages-7d.csv');
    expect(csvFileName('a b', '../x', '')).toBe('a_b-.._x.csv');
  });
});
