// Writes docs/configuration.md from the config schema (a test fails when it is out of date).
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../src/config/index.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigReference());
