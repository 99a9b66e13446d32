import BetterSqlite3 from 'better-sqlite3';
import { ownerOnlyFile, restrictIfPresent } from './ownerOnly';

export type Database = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement;

/**
 * Opens one of Frontdesk's SQLite databases: WAL journaling, every commit fsynced (what a service
 * returned is on disk), and the schema brought up to date with `migrations`, applied in order
 * inside one write transaction, `PRAGMA user_version` counting those applied. A file written by a
 * newer Frontdesk is refused rather than guessed at. Never edit a shipped migration: add the next.
 */
export function openDatabase(
  file: string,
  options: { what: string; migrations: readonly string[]; foreignKeys?: boolean },
): Database {
  // Owner-only before SQLite opens it: SQLite gives its -wal and -shm files the database's mode.
  if (file !== ':memory:') ownerOnlyFile(file);
  const db = new BetterSqlite3(file, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    if (file !== ':memory:') restrictIfPresent(`${file}-wal`, `${file}-shm`);
    db.pragma('synchronous = FULL');
    if (options.foreignKeys) db.pragma('foreign_keys = ON');
    const { migrations } = options;
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current > migrations.length) {
        throw new Error(
          `the ${options.what} database was written by a newer Frontdesk (schema ${current}; this version knows up to ${migrations.length})`,
        );
      }
      for (let version = current; version < migrations.length; version++) {
        db.exec(migrations[version]!);
        db.pragma(`user_version = ${version + 1}`);
      }
    }).immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** A prepared statement by its SQL text, prepared once per connection and kept in `cache`. */
export function prepareCached(cache: Map<string, Statement>, db: Database, sql: string): Statement {
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
