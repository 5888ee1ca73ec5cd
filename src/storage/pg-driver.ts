// The PostgreSQL driver, loaded when a PostgreSQL database is opened: a node on SQLite (the default)
// never needs it. It is CommonJS, so a synchronous require loads it where the connection is made.
import { createRequire } from 'node:module';
import type Pg from 'pg';

let loaded: typeof Pg | undefined;

export function pgDriver(): typeof Pg {
  if (!loaded) {
    loaded = createRequire(import.meta.url)('pg') as typeof Pg;
    // int8 (bigint) columns hold micro-credits: well inside 2^53, so numbers, not strings.
    loaded.types.setTypeParser(20, (v) => Number(v));
  }
  return loaded;
}
