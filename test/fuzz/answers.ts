// The property every HTTP answer to client input keeps, whatever the input: a documented status
// (never 5xx), X-API-Version, and for errors exactly {"error", "code"} with a catalogue code answered
// at the catalogue's status.
import assert from 'node:assert/strict';
import { ERRORS, errorBodyFields } from '../../src/http/index.js';
import { VERSION } from '../../src/util/version.js';

export interface Answer {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Undefined where the answer has no body to read: a stream, an upgrade, a HEAD. */
  readonly body: string | undefined;
}

const ERROR_STATUSES = new Set([400, 401, 402, 403, 404, 405, 408, 409, 411, 413, 415, 416, 426, 429, 431, 501]);

/** `101` only answers an upgrade, which the fuzzer sends with its random headers now and then. */
export function checkAnswer(answer: Answer, options: { upgrade: boolean }): void {
  const { status } = answer;
  const allowed = (status >= 200 && status < 300) || ERROR_STATUSES.has(status) || (status === 101 && options.upgrade);
  assert.ok(allowed, `status ${status} is not one the API documents for client input; body ${answer.body?.slice(0, 500)}`);
  assert.equal(answer.headers['x-api-version'], VERSION, `X-API-Version on a ${status} answer`);
  if (status < 400 || answer.body === undefined) return;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    assert.fail(`a ${status} answer's body is not JSON: ${JSON.stringify(answer.body.slice(0, 300))}`);
  }
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), `an error body is an object: ${answer.body.slice(0, 300)}`);
  const fields = body as Record<string, unknown>;
  assert.equal(typeof fields.error, 'string');
  assert.ok(typeof fields.code === 'string' && Object.hasOwn(ERRORS, fields.code), `code ${String(fields.code)} is in the catalogue`);
  const allowedFields = errorBodyFields(fields.code as keyof typeof ERRORS);
  for (const key of Object.keys(fields)) assert.ok(allowedFields.includes(key), `an error body is {error, code} and its code's documented fields: ${answer.body.slice(0, 300)}`);
  assert.equal(ERRORS[fields.code as keyof typeof ERRORS].status, status, `${String(fields.code)} is answered with its catalogue status`);
}
