// What reading one PDF may cost. pdf.js inflates a stream whole into memory and sets no bound of its
// own: a 200 KB file can hold a stream that inflates to 200 MB of spaces and list it six times in a
// page's /Contents, and pdf.js then holds gigabytes outside the V8 heap, where a worker's heap limit
// does not reach. So Capstan counts, as pdf.js works, the bytes its streams decode into and the
// operators it parses, per page and per document, and stops the document (`pdf_too_complex`) at the
// first byte over, before the buffer is allocated: never after the memory is gone.
//
// pdf.js inflates content streams and pictures with the platform's DecompressionStream, which this
// thread's global is replaced with a counting one for; everything else (other filters, a stream the
// platform refused, a page's /Contents joined into one) grows a buffer in its streams' ensureBuffer.
// pdf.js keeps those classes, and the parser that reads operators, private to its bundle and offers
// no hook, so the two methods are wrapped on their prototypes, reached through the first instance
// pdf.js builds (see wrapOnFirstInstance). The documents tests decode bombs through each path: an
// upgrade of pdf.js that renames what is reached fails them instead of silently lifting the limit.
import { AsyncLocalStorage } from 'node:async_hooks';
import { DocumentError } from './errors.js';

export interface PdfLimits {
  /** Bytes a page's streams (content, fonts, images) may decode into. */
  readonly maxDecodedBytesPerPage: number;
  /** Bytes the whole document's streams may decode into, opening it and every page read together. */
  readonly maxDecodedBytesPerDocument: number;
  /** Content-stream operators one page may hold, forms it draws included. */
  readonly maxOperatorsPerPage: number;
}

const MB = 1024 * 1024;

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxDecodedBytesPerPage: 256 * MB,
  maxDecodedBytesPerDocument: 1024 * MB,
  maxOperatorsPerPage: 2_000_000,
};

/** One document's reading in one worker: what it has decoded and parsed so far. */
export class PdfBudget {
  private decoded = 0;
  private page: number | undefined;
  private pageDecoded = 0;
  private pageOperators = 0;
  private overrun: DocumentError | undefined;

  /** `onDecoded` hears of every byte charged, so a worker can tell it has grown heavy. */
  constructor(private readonly limits: PdfLimits = DEFAULT_PDF_LIMITS, private readonly onDecoded?: (bytes: number) => void) {}

  /** Bytes decoded so far, over every page. */
  get decodedBytes(): number {
    return this.decoded;
  }

  /** Whether the document went over a limit: it has failed, and what it decoded is garbage to give back. */
  get exceeded(): boolean {
    return this.overrun !== undefined;
  }

  /** What follows is this page's (1-based): its own limits start afresh. */
  startPage(number: number): void {
    this.page = number;
    this.pageDecoded = 0;
    this.pageOperators = 0;
  }

  chargeDecoded(bytes: number): void {
    this.check();
    this.decoded += bytes;
    this.pageDecoded += bytes;
    this.onDecoded?.(bytes);
    if (this.decoded > this.limits.maxDecodedBytesPerDocument) {
      this.refuse(`its streams decode to more than ${mb(this.limits.maxDecodedBytesPerDocument)} in all`);
    }
    if (this.pageDecoded > this.limits.maxDecodedBytesPerPage) {
      this.refuse(`${this.where()} streams decode to more than ${mb(this.limits.maxDecodedBytesPerPage)}`);
    }
  }

  chargeOperator(): void {
    this.check();
    if (++this.pageOperators > this.limits.maxOperatorsPerPage) {
      this.refuse(`${this.where()} content has more than ${this.limits.maxOperatorsPerPage} operators`);
    }
  }

  /** Throws the document's failure if it went over; pdf.js may have swallowed the first throw. */
  check(): void {
    if (this.overrun) throw this.overrun;
  }

  private where(): string {
    return this.page === undefined ? 'its' : `page ${this.page}'s`;
  }

  private refuse(why: string): never {
    this.overrun = new DocumentError('pdf_too_complex', `the PDF is too complex to read: ${why}`);
    throw this.overrun;
  }
}

const mb = (bytes: number): string => `${Math.round((bytes / MB) * 10) / 10} MB`;

const active = new AsyncLocalStorage<PdfBudget>();

/**
 * Runs pdf.js work charged to `budget`. pdf.js in Node runs its worker side in this thread, passing
 * messages through promises, so the budget follows every step it takes for this call. pdf.js skips
 * over errors inside a page by default, so the budget is checked once more when the work settles.
 */
export async function underBudget<T>(budget: PdfBudget, work: () => Promise<T>): Promise<T> {
  installHooks();
  return active.run(budget, async () => {
    let result: T;
    try {
      result = await work();
    } catch (error) {
      budget.check();
      throw error;
    }
    budget.check();
    return result;
  });
}

/** Starts the page's own limits on the budget the caller runs under, if any. */
export function startBudgetPage(number: number): void {
  active.getStore()?.startPage(number);
}

let installed = false;

function installHooks(): void {
  if (installed) return;
  installed = true;
  countDecompressionStreams();
  // DecodeStream (every filter's base) grows its output buffer in ensureBuffer; the constructor sets
  // _rawMinBufferLength. StreamsSequenceStream (a page's /Contents array) copies into it too.
  wrapOnFirstInstance('_rawMinBufferLength', 'ensureBuffer', (original) =>
    function ensureBuffer(this: unknown, requested: unknown) {
      const stream = this as GrowingStream;
      const held = stream.buffer?.byteLength ?? 0;
      if (typeof requested === 'number' && requested > held) active.getStore()?.chargeDecoded(grownSize(stream.minBufferLength, requested) - held);
      return original.call(this, requested);
    });
  // EvaluatorPreprocessor reads a content stream one operator at a time (getTextContent and
  // getOperatorList both); its constructor sets _numInvalidPathOPS.
  wrapOnFirstInstance('_numInvalidPathOPS', 'read', (original) =>
    function read(this: unknown, operation: unknown) {
      const more: unknown = original.call(this, operation);
      if (more === true) active.getStore()?.chargeOperator();
      return more;
    });
}

/**
 * DecompressionStream, counting what it yields against the budget of whoever made it, and failing
 * its output (which stops the inflating) at the first chunk over. pdf.js then falls back to its own
 * inflater, which the budget refuses at once.
 */
function countDecompressionStreams(): void {
  const Native = globalThis.DecompressionStream;
  if (typeof Native !== 'function') return;
  class CountedDecompressionStream extends Native {
    constructor(format: CompressionFormat) {
      super(format);
      const budget = active.getStore();
      if (!budget) return;
      const counted = super.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          budget.chargeDecoded(chunk.byteLength);
          controller.enqueue(chunk);
        },
      }));
      Object.defineProperty(this, 'readable', { value: counted });
    }
  }
  Object.defineProperty(globalThis, 'DecompressionStream', { value: CountedDecompressionStream, writable: true, configurable: true });
}

interface GrowingStream {
  readonly buffer?: Uint8Array;
  readonly minBufferLength?: number;
}

/** The size pdf.js grows a stream's buffer to: its minimum, doubled until the request fits. */
function grownSize(minimum: number | undefined, requested: number): number {
  if (typeof minimum !== 'number' || !(minimum > 0)) return requested;
  let size = minimum;
  while (size < requested) size *= 2;
  return size;
}

type Method = (this: unknown, arg: unknown) => unknown;

/**
 * The first time any object assigns `field`, as the private class's constructor does, the class that
 * first defines `method` in that object's prototype chain (the base class: a subclass may override it
 * with a no-op) gets `wrap(method)` in its place. The trap on Object.prototype is removed at once and
 * the field set on the instance as the assignment would have.
 */
function wrapOnFirstInstance(field: string, method: string, wrap: (original: Method) => Method): void {
  Object.defineProperty(Object.prototype, field, {
    configurable: true,
    enumerable: false,
    set(this: object, value: unknown) {
      Reflect.deleteProperty(Object.prototype, field);
      Object.defineProperty(this, field, { value, writable: true, enumerable: true, configurable: true });
      const owner = baseOwner(this, method);
      if (owner) owner[method] = wrap(owner[method] as Method);
    },
  });
}

function baseOwner(instance: object, method: string): Record<string, unknown> | undefined {
  let owner: Record<string, unknown> | undefined;
  for (let proto: unknown = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const candidate = proto as Record<string, unknown>;
    if (Object.hasOwn(candidate, method) && typeof candidate[method] === 'function') owner = candidate;
  }
  return owner;
}
