import { describe, expect, it } from 'vitest';
import { grantChecker, requiredGrant } from '../../../tools/clickhouse/grants';
import { ingestGrants, maintenanceGrants } from '../../../tools/clickhouse/users';

const none = new Map<string, string>();

describe('requiredGrant', () => {
  it('names the table a write touches, in the request database unless the statement names one', () => {
    expect(requiredGrant('INSERT INTO events FORMAT JSONEachRow\n{"a":1}', 'edgebear', none)).toEqual({
      privilege: 'INSERT',
      database: 'edgebear',
      table: 'events',
    });
    expect(requiredGrant('insert into table `other`.`t` (a) values (1)', 'edgebear', none)).toEqual({
      privilege: 'INSERT',
      database: 'other',
      table: 't',
    });
    expect(requiredGrant('DELETE FROM stats_sealed WHERE 1', 'edgebear', none)).toEqual({
      privilege: 'ALTER DELETE',
      database: 'edgebear',
      table: 'stats_sealed',
    });
  });

  it('resolves Identifier parameters, as the engine will', () => {
    const params = new Map([['table', 'pages_hourly']]);
    expect(
      requiredGrant(
        'ALTER TABLE {table:Identifier} DELETE WHERE site_id IN {ids:Array(UInt32)}',
        'edgebear',
        params,
      ),
    ).toEqual({ privilege: 'ALTER DELETE', database: 'edgebear', table: 'pages_hourly' });
    expect(requiredGrant('ALTER TABLE t ON CLUSTER c UPDATE x = 1 WHERE 1', 'db', none)?.privilege).toBe(
      'ALTER UPDATE',
    );
    expect(requiredGrant('ALTER TABLE t ADD COLUMN x UInt8', 'db', none)?.privilege).toBe('ALTER');
  });

  it('treats DDL by object and anything administrative as server-wide', () => {
    expect(requiredGrant('CREATE TABLE IF NOT EXISTS x (a UInt8) ENGINE = Memory', 'db', none)).toEqual({
      privilege: 'CREATE',
      database: 'db',
      table: 'x',
    });
    expect(
      requiredGrant('CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT 1', 'db', none)?.table,
    ).toBe('v');
    expect(requiredGrant('CREATE DATABASE IF NOT EXISTS edgebear', 'default', none)).toEqual({
      privilege: 'CREATE',
      database: 'edgebear',
      table: '*',
    });
    expect(requiredGrant('DROP VIEW IF EXISTS v', 'db', none)).toEqual({
      privilege: 'DROP',
      database: 'db',
      table: 'v',
    });
    expect(requiredGrant('SYSTEM FLUSH LOGS', 'db', none)).toEqual({
      privilege: 'SYSTEM',
      database: '*',
      table: '*',
    });
    expect(requiredGrant('CREATE USER u', 'db', none)).toEqual({
      privilege: 'CREATE',
      database: '*',
      table: '*',
    });
  });

  it('asks nothing of a read', () => {
    for (const sql of ['SELECT 1', 'WITH 1 AS x SELECT x', 'SHOW TABLES', '(SELECT 1)', 'EXISTS TABLE t']) {
      expect(requiredGrant(sql, 'db', none)).toBeUndefined();
    }
  });
});

describe('grantChecker', () => {
  const ingest = grantChecker({ name: 'default', password: '', grants: ingestGrants('edgebear') });
  const maintenance = grantChecker({
    name: 'maintenance',
    password: '',
    grants: maintenanceGrants('edgebear'),
  });

  it('lets the ingest user insert events and nothing else', () => {
    expect(() => ingest({ privilege: 'INSERT', database: 'edgebear', table: 'events' })).not.toThrow();
    expect(() => ingest({ privilege: 'INSERT', database: 'edgebear', table: 'stats_daily' })).toThrow(
      "default: Not enough privileges. To execute this query, it's necessary to have the grant INSERT ON edgebear.stats_daily",
    );
    expect(() => ingest({ privilege: 'ALTER DELETE', database: 'edgebear', table: 'events' })).toThrow();
  });

  it('lets the maintenance user write anywhere in its database, and nowhere else', () => {
    expect(() =>
      maintenance({ privilege: 'ALTER DELETE', database: 'edgebear', table: 'events' }),
    ).not.toThrow();
    expect(() => maintenance({ privilege: 'CREATE', database: 'edgebear', table: '*' })).not.toThrow();
    expect(() => maintenance({ privilege: 'INSERT', database: 'other', table: 'events' })).toThrow();
    expect(() => maintenance({ privilege: 'SYSTEM', database: '*', table: '*' })).toThrow();
  });

  it('refuses a grant it cannot read when the server starts, not on the first query', () => {
    expect(() => grantChecker({ name: 'x', password: '', grants: ['SELECT edgebear'] })).toThrow(
      /Cannot read grant/,
    );
  });
});
