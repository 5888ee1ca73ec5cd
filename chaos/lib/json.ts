// JSON as it comes off the wire, and narrow readers for the fields the scenarios need, so a changed
// answer shape fails loudly where it is read instead of flowing on as undefined.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function parseJson(text: string): Json | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: Json | undefined, key: string): Json | undefined {
  return isObject(value) ? value[key] : undefined;
}

export function stringField(value: Json | undefined, key: string): string {
  const v = field(value, key);
  if (typeof v !== 'string') throw new Error(`expected a string "${key}" in ${JSON.stringify(value)?.slice(0, 300)}`);
  return v;
}

export function numberField(value: Json | undefined, key: string): number {
  const v = field(value, key);
  if (typeof v !== 'number') throw new Error(`expected a number "${key}" in ${JSON.stringify(value)?.slice(0, 300)}`);
  return v;
}
