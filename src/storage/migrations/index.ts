// Numbered migrations, applied in order at start and by `capstan migrate`. Append only.
import type { Migration } from 'kysely';
import * as m0001 from './0001-core.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-core': m0001,
};
