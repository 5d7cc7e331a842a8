import { randomBytes } from 'node:crypto'

// `@cache` results kept per view, so a cache hit in the browser can put the
// server back in the state the cached HTML shows. Bounded (LRU).

/** Results of `@cache` handlers kept per view (bounded, LRU). */
export const MAX_SNAPSHOTS = 32

export class Snapshots {
  readonly #entries = new Map<string, { key: string, state: Record<string, unknown> }>()

  get size (): number { return this.#entries.size }

  /**
   * Keep `state` (a copy is taken; it must be plain data: throws otherwise)
   * for hits on the same handler and key params only. Returns the snapshot's
   * id: unguessable, so a client cannot roll the view back to an arbitrary
   * earlier state.
   */
  take (key: string, state: Record<string, unknown>): string {
    const copy = structuredClone(state)
    const id = randomBytes(9).toString('base64url')
    this.#entries.set(id, { key, state: copy })
    if (this.#entries.size > MAX_SNAPSHOTS) this.#entries.delete(this.#entries.keys().next().value!)
    return id
  }

  /** A copy of the state of the snapshot `id`; `undefined` when it is gone or was taken for another call. */
  restore (id: string, key: string): Record<string, unknown> | undefined {
    const snapshot = this.#entries.get(id)
    if (snapshot === undefined || snapshot.key !== key) return undefined
    this.#entries.delete(id)
    this.#entries.set(id, snapshot) // most recently used
    return structuredClone(snapshot.state)
  }
}
