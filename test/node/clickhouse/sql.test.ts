import { describe, expect, it } from 'vitest';
import { parseDevVars } from '../../../tools/clickhouse/credentials';
import { describeStatement, splitSqlStatements } from '../../../tools/clickhouse/sql';

describe('describeStatement', () => {
  it('finds the output format the client appends', () => {
    expect(describeStatement('SELECT 1 \nFORMAT JSONEachRow')).toEqual({
      kind: 'select',
      outputFormat: 'JSONEachRow',
      multipleStatements: false,
    });
    expect(describeStatement('SELECT 1 FORMAT JSON SETTINGS max_threads = 1;').outputFormat).toBe('JSON');
  });

  it('ignores FORMAT inside strings, comments and column names', () => {
    expect(describeStatement("SELECT 'FORMAT CSV' -- FORMAT TSV\n").outputFormat).toBeUndefined();
    expect(describeStatement('SELECT format FROM t').outputFormat).toBeUndefined();
    expect(describeStatement("SELECT format('{}', 'x')").outputFormat).toBeUndefined();
  });

  it('treats everything after an INSERT format as data', () => {
    const info = describeStatement(
      'INSERT INTO t FORMAT JSONEachRow\n{"a":"x; SELECT 1"}\n{"a":"FORMAT CSV"}',
    );
    expect(info).toEqual({ kind: 'insert', outputFormat: undefined, multipleStatements: false });
  });

  it('spots a second statement but allows a trailing semicolon and comment', () => {
    expect(describeStatement('SELECT 1; DROP TABLE t').multipleStatements).toBe(true);
    expect(describeStatement('SELECT 1; -- done\n').multipleStatements).toBe(false);
    expect(describeStatement("SELECT ';' AS s").multipleStatements).toBe(false);
  });
});

describe('splitSqlStatements', () => {
  it('splits at semicolons that end a line, never inside strings or comments', () => {
    const sql = [
      '-- header; not a statement',
      "CREATE TABLE a (x String DEFAULT ';') ENGINE = Memory;",
      '/* block; comment */',
      "SELECT 'a;', 1; -- trailing comment",
      'SELECT 2',
      '',
    ].join('\n');
    expect(splitSqlStatements(sql)).toEqual([
      "-- header; not a statement\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Memory",
      "/* block; comment */\nSELECT 'a;', 1",
      'SELECT 2',
    ]);
  });

  it('drops comment-only chunks', () => {
    expect(splitSqlStatements('SELECT 1;\n-- the end;\n')).toEqual(['SELECT 1']);
  });
});

describe('parseDevVars', () => {
  it('reads KEY=VALUE lines, quotes and comments', () => {
    const vars = parseDevVars('# local secrets\nCLICKHOUSE_PASSWORD="s3cret=x"\nexport OTHER=1\n\nBROKEN\n');
    expect(vars.get('CLICKHOUSE_PASSWORD')).toBe('s3cret=x');
    expect(vars.get('OTHER')).toBe('1');
    expect(vars.has('BROKEN')).toBe(false);
  });
});
