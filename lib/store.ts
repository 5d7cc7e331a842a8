/**
 * Where a view rendered over HTTP waits for its WebSocket join, so the join
 * reuses the instance instead of mounting twice. An interface, so that a
 * shared (e.g. Redis-backed) store can replace the in-memory one; entries
 * that are never joined expire.
 */
export interface HandoffStore<T> {
  put (id: string, value: T): void
  /** Remove and return the entry; `undefined` when absent or expired. */
  take (id: string): T | undefined
  readonly size: number
  close (): void
}

export class MemoryHandoffStore<T> implements HandoffStore<T> {
  readonly #entries = new Map<string, { value: T, timer: NodeJS.Timeout }>()
  constructor (readonly ttl: number, readonly onExpire: (value: T) => void = () => {}) {}

  put (id: string, value: T): void {
    this.take(id)
    const timer = setTimeout(() => {
      this.#entries.delete(id)
      this.onExpire(value)
    }, this.ttl)
    timer.unref()
    this.#entries.set(id, { value, timer })
  }

  take (id: string): T | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    clearTimeout(entry.timer)
    this.#entries.delete(id)
    return entry.value
  }

  get size (): number { return this.#entries.size }

  close (): void {
    for (const [id, entry] of this.#entries) {
      clearTimeout(entry.timer)
      this.#entries.delete(id)
      this.onExpire(entry.value)
    }
  }
}
