// A resume cursor for "everything from this moment on": the smallest UUIDv7 of a millisecond. A
// subscriber that opens with it replays the log from there instead of racing its own subscription
// against the first publishes (a fresh hub or organization has nothing older to replay).
export function cursorAt(ms: number): string {
  const hex = Math.floor(ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
