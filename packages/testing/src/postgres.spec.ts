import { existsSync } from 'node:fs';
import { portAccepts } from './server-process';
import { startPostgres } from './postgres';

describe('startPostgres', () => {
  it('runs a throwaway PostgreSQL with logical decoding on a free port; crash + start keep the data; stop removes it', async () => {
    const pg = await startPostgres();
    try {
      expect(await portAccepts(pg.port)).toBe(true);
      expect(pg.psql('SHOW wal_level')).toBe('logical');
      expect(pg.psql('SHOW TimeZone')).toBe('UTC');
      pg.createDatabase('second');
      pg.psql('CREATE TABLE t (id int primary key, v text); INSERT INTO t VALUES (1, $$a$$), (2, $$b$$)', 'second');
      expect(pg.psql('SELECT id, v FROM t ORDER BY id', 'second')).toBe('1|a\n2|b');
      expect(pg.url('second')).toBe(`postgres://postgres@127.0.0.1:${pg.port}/second`);
      expect(pg.jdbcUrl('second')).toBe(`jdbc:postgresql://127.0.0.1:${pg.port}/second`);
      // a slot can be created: the replication settings are in place
      expect(pg.psql("SELECT slot_name FROM pg_create_logical_replication_slot('s1', 'pgoutput')")).toBe('s1');
      await pg.crash();
      expect(await portAccepts(pg.port)).toBe(false);
      await pg.start();
      expect(pg.psql('SELECT count(*) FROM t', 'second')).toBe('2');
      expect(pg.psql('SELECT slot_name FROM pg_replication_slots')).toBe('s1');
      expect(() => pg.psql('SELECT * FROM missing')).toThrow(/relation "missing" does not exist/);
    } finally {
      await pg.stop();
    }
    expect(existsSync(pg.dataDir)).toBe(false);
    expect(await portAccepts(pg.port)).toBe(false);
  }, 120_000);
});
