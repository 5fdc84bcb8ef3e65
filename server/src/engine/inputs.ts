import type { EngineInput } from "@tickwire/shared";
import {
  checkInputFrame,
  INPUT_FRAME_HEADER_BYTES,
  type InputCodec,
  inputCodecOf,
  inputFrameCount,
  inputFrameSeq,
  MAX_INPUT_BYTES,
} from "@tickwire/shared/protocol";

/** Per-client input ring, in inputs: about one second at 30 Hz. The oldest is dropped on overflow. */
export const INPUT_BUFFER_SIZE = 32;

/**
 * How many steps an input object handed to the game stays as it is before the engine reuses
 * it: the one consumed now and the one before (a game may compare the two).
 */
const KEPT_CONSUMED = 2;

/**
 * What became of one input frame: how many new inputs it brought and how many of those the
 * sanitizer changed, or why it is malformed. (The counts are one object per store, valid until
 * its next `receive`.)
 */
export type InputReceipt = { added: number; sanitized: number } | { problem: string };

/** Where one input's bytes are copied to be read (a DataView per frame would be an allocation). */
const scratch = new Uint8Array(MAX_INPUT_BYTES);
const scratchView = new DataView(scratch.buffer);

/**
 * One client's inputs as they arrive in input frames (see `@tickwire/shared/protocol`): only
 * inputs newer than the newest already received are read (the redundant copies are skipped
 * unread), each is sanitized, and they wait in a bounded ring until the steps consume them,
 * one per step. Input objects are reused: one handed to the game stays intact for that step
 * and the next.
 */
class ClientInputs<I extends EngineInput> {
  readonly #ring: Array<I | undefined> = new Array(INPUT_BUFFER_SIZE);
  #head = 0;
  #count = 0;
  /** Seq of the newest input received (0 before any). */
  #newest = 0;
  /** Set by each new socket: its first frame may restart the numbering (a new client page). */
  #fresh = true;
  readonly #free: I[] = [];
  readonly #consumed: I[] = [];

  constructor(
    readonly codec: InputCodec,
    readonly make: () => I,
  ) {}

  /** A new socket for this client (a join or a reconnection). */
  renew(): void {
    this.#fresh = true;
  }

  receive(
    frame: Uint8Array,
    offset: number,
    sanitize: ((input: I) => unknown) | undefined,
    receipt: { added: number; sanitized: number },
  ): InputReceipt {
    const problem = checkInputFrame(this.codec, frame, offset);
    if (problem) return { problem };
    const seq = inputFrameSeq(frame, offset);
    const count = inputFrameCount(frame, offset);
    receipt.added = 0;
    receipt.sanitized = 0;
    if (this.#fresh) {
      this.#fresh = false;
      // Numbering that went backwards on a new socket is a new sender for this seat: what the
      // old one left waiting goes.
      if (seq < this.#newest) {
        this.#newest = 0;
        while (this.#count > 0) this.#free.push(this.#take());
      }
    }
    if (seq <= this.#newest) return receipt;
    const body = this.codec.bodyBytes;
    // Bodies are newest first: read the oldest new one first, so the ring stays in order.
    const fresh = Math.min(count, seq - this.#newest);
    for (let i = fresh - 1; i >= 0; i--) {
      const input = this.#free.pop() ?? this.make();
      const from = offset + INPUT_FRAME_HEADER_BYTES + i * body;
      for (let b = 0; b < body; b++) scratch[b] = frame[from + b]!;
      this.codec.read(scratchView, 0, input as unknown as Record<string, unknown>);
      input.seq = seq - i;
      if (sanitize?.(input)) receipt.sanitized++;
      this.#push(input);
    }
    this.#newest = seq;
    receipt.added = fresh;
    return receipt;
  }

  /** The oldest waiting input, or undefined when none waits. */
  next(): I | undefined {
    if (this.#count === 0) return undefined;
    const input = this.#take();
    this.#consumed.push(input);
    if (this.#consumed.length > KEPT_CONSUMED) this.#free.push(this.#consumed.shift()!);
    return input;
  }

  /** Takes the oldest waiting input off the ring (there is one). */
  #take(): I {
    const input = this.#ring[this.#head]!;
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % INPUT_BUFFER_SIZE;
    this.#count--;
    return input;
  }

  #push(input: I): void {
    // Full: the oldest waiting input goes.
    if (this.#count === INPUT_BUFFER_SIZE) this.#free.push(this.#take());
    this.#ring[(this.#head + this.#count) % INPUT_BUFFER_SIZE] = input;
    this.#count++;
  }
}

/**
 * The inputs of a room's clients, from Tickwire's input frames. The transport hands each frame
 * to `receive`; each step takes one input per client with `next`.
 */
export class InputStore<I extends EngineInput> {
  readonly #codec: InputCodec;
  readonly #make: () => I;
  readonly #sanitize: ((input: I) => unknown) | undefined;
  readonly #clients = new Map<string, ClientInputs<I>>();
  readonly #receipt = { added: 0, sanitized: 0 };

  /**
   * @param inputClass the game's input class (made by `defineInput`)
   * @param sanitize the game's sanitizer: makes an input safe in place, returns true if it changed it
   */
  constructor(inputClass: new () => I, sanitize?: (input: I) => unknown) {
    this.#codec = inputCodecOf(inputClass);
    const fields = this.#codec.fields;
    const defaults = new inputClass() as unknown as Record<string, unknown>;
    // Plain records with the class's fields: what the game reads, without a schema's setters.
    this.#make = () => {
      const input: Record<string, unknown> = { seq: 0 };
      for (const f of fields) input[f] = defaults[f];
      return input as unknown as I;
    };
    this.#sanitize = sanitize;
  }

  /** A client's socket opened (a join or a reconnection): later frames arrive for it. */
  open(sessionId: string): void {
    let client = this.#clients.get(sessionId);
    if (!client) {
      client = new ClientInputs(this.#codec, this.#make);
      this.#clients.set(sessionId, client);
    }
    client.renew();
  }

  /**
   * One input frame from a client, at `offset` of `frame` (to its end). Frames from a client
   * not (or no longer) here are ignored.
   */
  receive(sessionId: string, frame: Uint8Array, offset = 0): InputReceipt {
    const client = this.#clients.get(sessionId);
    if (client) return client.receive(frame, offset, this.#sanitize, this.#receipt);
    this.#receipt.added = 0;
    this.#receipt.sanitized = 0;
    return this.#receipt;
  }

  /** The client's next input for this step, or undefined when none waits. */
  next(sessionId: string): I | undefined {
    return this.#clients.get(sessionId)?.next();
  }

  /** True once a client is known here. */
  has(sessionId: string): boolean {
    return this.#clients.has(sessionId);
  }

  /** A client left for good. */
  remove(sessionId: string): void {
    this.#clients.delete(sessionId);
  }
}
