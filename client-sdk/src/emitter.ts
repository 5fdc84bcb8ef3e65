/** A small typed event emitter; `on` returns the function that unsubscribes. */
// biome-ignore lint/suspicious/noExplicitAny: each handler's parameters are checked through Events[K]
export class Emitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> {
  #handlers = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, handler: Events[K]): () => void {
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.#handlers.get(event);
    if (!set) return;
    for (const h of [...set]) (h as (...a: Parameters<Events[K]>) => void)(...args);
  }
}
