import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostResult } from './schema.js';

/**
 * Where a fleet run keeps its finished hosts' results until the reports are written: in memory,
 * or spooled to a temporary file (HostSpool). Either way `hosts()` gives them in the targets' order.
 */
export interface HostStore {
  put(index: number, host: HostResult): void;
  /** Every host, once each has been put; a HostSpool's list reads them back one at a time. */
  hosts(): HostResult[];
}

/** The results kept as they are: for a library run, a test, a handful of hosts. */
export function memoryHostStore(count: number): HostStore {
  const hosts = new Array<HostResult>(count);
  return {
    put: (index, host) => void (hosts[index] = host),
    hosts: () => hosts,
  };
}

/**
 * Where each host's record is in the spool file: its offset, its length and the length of its head
 * (lazyRecord), in three number arrays rather than an object per host. A length of -1 marks a host never put.
 */
class Slots {
  private offsets: Float64Array;
  private lengths: Float64Array;
  private heads: Float64Array;
  length: number;

  constructor(count: number) {
    this.length = count;
    this.offsets = new Float64Array(Math.max(count, 16));
    this.lengths = new Float64Array(Math.max(count, 16)).fill(-1);
    this.heads = new Float64Array(Math.max(count, 16));
  }

  /** Refuses an index no slot has, before anything is written for it. */
  check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length)
      throw new RangeError(`host ${index} is outside the spool's ${this.length} hosts`);
  }

  set(index: number, offset: number, bytes: number, headBytes: number): void {
    this.offsets[index] = offset;
    this.lengths[index] = bytes;
    this.heads[index] = headBytes;
  }

  get(index: number): { offset: number; bytes: number; headBytes: number } | undefined {
    const bytes = index < this.length ? this.lengths[index]! : -1;
    return bytes < 0 ? undefined : { offset: this.offsets[index]!, bytes, headBytes: this.heads[index]! };
  }

  /** One more slot at the end, never put yet; its index. */
  add(): number {
    if (this.length === this.lengths.length) {
      const grown = (from: Float64Array, fill = 0) => {
        const to = new Float64Array(this.length * 2).fill(fill);
        to.set(from);
        return to;
      };
      this.offsets = grown(this.offsets);
      this.lengths = grown(this.lengths, -1);
      this.heads = grown(this.heads);
    }
    return this.length++;
  }
}

/**
 * From this many characters of JSON on, a host's top-level field (its check results, its evidence)
 * is parsed only when it is read. Reports pass over the hosts several times, most passes for their
 * status, counts and controls only: parsing every host whole on each pass took most of the time a
 * large fleet's reports took to write (docs/benchmarks.md).
 */
export const LAZY_FIELD_CHARS = 1024;

/**
 * A host as the spool writes it: a head, `[fields, name, bytes, name, bytes, …]`, whose `fields`
 * hold every field in the host's order with 0 in place of each large one, followed by the large
 * fields' JSON in the order the head names them.
 */
function lazyRecord(host: HostResult): { record: string; headBytes: number } {
  const fields: string[] = [];
  const large: string[] = [];
  const tail: string[] = [];
  for (const [key, value] of Object.entries(host)) {
    const json = JSON.stringify(value) as string | undefined;
    // Left out, as JSON.stringify leaves out of an object what it cannot write.
    if (json === undefined) continue;
    const name = JSON.stringify(key);
    if (json.length < LAZY_FIELD_CHARS) {
      fields.push(`${name}:${json}`);
      continue;
    }
    fields.push(`${name}:0`);
    large.push(name, String(Buffer.byteLength(json, 'utf8')));
    tail.push(json);
  }
  const head = `[{${fields.join(',')}}${large.map((part) => `,${part}`).join('')}]`;
  // One string made into one buffer: a buffer per field and then their join would each hold the
  // host's size outside the heap until a collection.
  return { record: `${head}${tail.join('')}\n`, headBytes: Buffer.byteLength(head, 'utf8') };
}

/**
 * A host read back from its head: the large fields are getters that read and parse their JSON the
 * first time they are read and then hold the value, in the place the field had (redefining a
 * property keeps its place among the keys), so JSON, spreads and key order are those of the host put.
 * `readBytes(start, bytes)` reads the record from `start` on, as the spool can while it is open.
 */
function hostOfHead(head: Buffer, readBytes: (start: number, bytes: number) => Buffer): HostResult {
  const [host, ...large] = JSON.parse(head.toString('utf8')) as [Record<string, unknown>, ...unknown[]];
  let start = head.length;
  for (let at = 0; at < large.length; at += 2) {
    const key = large[at] as string;
    const [from, bytes] = [start, large[at + 1] as number];
    const settle = (value: unknown) =>
      Object.defineProperty(host, key, { value, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(host, key, {
      get: () => {
        const value: unknown = JSON.parse(readBytes(from, bytes).toString('utf8'));
        settle(value);
        return value;
      },
      set: settle,
      enumerable: true,
      configurable: true,
    });
    start += bytes;
  }
  return host as unknown as HostResult;
}

/**
 * Finished hosts' results in a temporary file, one line each (lazyRecord), so that a sweep's memory
 * does not grow with its hosts: ten thousand hosts' results with their evidence are some 460 MiB of
 * JSON, and more as objects. Only each line's place stays in memory. The file is made in a private
 * folder (mode 0700, under TMPDIR) and both are removed at once, the open descriptor being all
 * this process needs: however the process ends, even by SIGKILL, nothing is left behind, and the
 * space is the system's again when the descriptor is closed.
 */
export class HostSpool implements HostStore {
  readonly dir: string;
  private readonly fd: number;
  private readonly slots: Slots;
  private size = 0;
  private closed = false;

  constructor(count = 0, parent = tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'driftspec-hosts-'));
    try {
      this.fd = openSync(join(this.dir, 'hosts.jsonl'), 'wx+', 0o600);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
    this.slots = new Slots(count);
  }

  put(index: number, host: HostResult): void {
    this.slots.check(index);
    const { record: text, headBytes } = lazyRecord(host);
    const record = Buffer.from(text, 'utf8');
    // A write may take fewer bytes than given: go on until the whole record is in.
    for (let written = 0; written < record.length; )
      written += writeSync(this.fd, record, written, record.length - written, this.size + written);
    this.slots.set(index, this.size, record.length - 1, headBytes);
    this.size += record.length;
  }

  /** Puts a host after the last one, for a spool filled before the number of hosts is known. */
  append(host: HostResult): void {
    this.put(this.slots.add(), host);
  }

  /**
   * One host, read back from the file: the caller holds it only as long as it needs it. Its large
   * fields are read when first used, which the spool must still be open for.
   */
  read(index: number): HostResult {
    const slot = this.slots.get(index);
    if (slot === undefined) throw new RangeError(`host ${index} of the spool was never put`);
    const readBytes = (start: number, bytes: number) => this.readAt(index, slot.offset + start, bytes);
    // Written by this process a moment ago, in a folder only it can read: not outside data.
    return hostOfHead(readBytes(0, slot.headBytes), readBytes);
  }

  private readAt(index: number, offset: number, bytes: number): Buffer {
    if (this.closed) throw new Error(`host ${index} of the spool was read after the spool was closed`);
    const buffer = Buffer.allocUnsafe(bytes);
    for (let read = 0; read < bytes; ) {
      const got = readSync(this.fd, buffer, read, bytes - read, offset + read);
      if (got === 0) throw new Error(`the spool file ${this.dir} ended inside host ${index}`);
      read += got;
    }
    return buffer;
  }

  /** Every host in the order they were put at, or the hosts at the indexes of `order`, in its order. */
  hosts(order?: readonly number[]): HostResult[] {
    return spooledList(this, order);
  }

  /** Closes the file, which has no name left: the list from `hosts()` cannot be read after it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  get length(): number {
    return this.slots.length;
  }
}

/**
 * A read-only array whose items are read from the spool as they are asked for, so that every
 * reporter, the gate and `merge` (which take a RunResult's `hosts` as an array) work unchanged
 * and byte for byte as on results kept in memory. The last host read is kept: loops that read an
 * item twice in a row parse it once.
 */
function spooledList(spool: HostSpool, order: readonly number[] | undefined): HostResult[] {
  let last: { index: number; host: HostResult } | undefined;
  const read = (index: number) => {
    if (last?.index !== index) last = { index, host: spool.read(order ? order[index]! : index) };
    return last.host;
  };
  const refuse = () => {
    throw new TypeError('the hosts of a spooled run result cannot be changed');
  };
  // Placeholders, so that `in`, holes and the array methods see every index as present.
  const shape = new Array<null>(order?.length ?? spool.length).fill(null);
  return new Proxy(shape, {
    get(target, key, receiver) {
      if (typeof key === 'string' && isIndex(key, target.length)) return read(Number(key));
      return Reflect.get(target, key, receiver) as unknown;
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  }) as unknown as HostResult[];
}

function isIndex(key: string, length: number): boolean {
  if (!/^(?:0|[1-9]\d*)$/.test(key)) return false;
  return Number(key) < length;
}
