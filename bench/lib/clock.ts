// A wall clock with sub-millisecond resolution that agrees across processes on one machine:
// each process's time origin is read from the system clock, then advanced by the monotonic one.
import { performance } from 'node:perf_hooks';

export const wallClockMs = (): number => performance.timeOrigin + performance.now();
