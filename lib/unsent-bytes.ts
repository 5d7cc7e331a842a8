import type { Socket } from 'node:net'

/** What one socket holds unsent: ws's `bufferedAmount` (its TCP socket's write buffer and ws's own queue). */
interface Holder { readonly bufferedAmount: number }

/**
 * The bytes all of a plugin's sockets hold unsent, against
 * `maxTotalBufferedBytes`. Each socket has its own budget
 * (`maxBufferedBytes`), but many clients that stop reading would each fill
 * theirs: 20 of them held 20 × 2 MiB. Past the total, a socket that is
 * behind is held back even below its own budget, so the process holds about
 * the total, whatever the number of sockets.
 *
 * Only sockets that are behind are counted: those whose write buffer is past
 * Node's high-water mark (`writableNeedDrain`, 16 KiB), the kernel having
 * not taken what they were sent. The others hold less than that each, and
 * summing every socket on every render would cost as many sockets.
 */
export class UnsentBytes {
  readonly #limit: number
  /** Each counted socket's bytes when it was last asked about. */
  readonly #seen = new Map<Holder, number>()
  #total = 0
  #recounted = false

  constructor (limit: number) {
    this.#limit = limit
  }

  /** Unsent bytes of the sockets that are behind, as last seen (a socket's share is brought up to date when it is asked about). */
  get total (): number { return this.#total }

  /** Sockets counted: behind since they last drained. */
  get sockets (): number { return this.#seen.size }

  /**
   * Whether `holder` (whose TCP socket is `tcp`) must be held back for the
   * total: it is behind, and the total is past the limit. It is counted until
   * its TCP socket drains (the event a held-back socket waits for) or closes.
   *
   * A running total, not a sum over the sockets behind: a broadcast asks
   * about every socket, and summing them all each time would cost the
   * square of the sockets behind.
   */
  over (holder: Holder, tcp: Socket | undefined): boolean {
    if (tcp === undefined || !tcp.writableNeedDrain) return false
    const seen = this.#seen.get(holder)
    if (seen === undefined) {
      const leave = (): void => {
        this.#total -= this.#seen.get(holder) ?? 0
        this.#seen.delete(holder)
        tcp.off('drain', leave)
        tcp.off('close', leave)
      }
      tcp.on('drain', leave)
      tcp.on('close', leave)
    }
    const now = holder.bufferedAmount
    this.#total += now - (seen ?? 0)
    this.#seen.set(holder, now)
    if (this.#total <= this.#limit) return false
    // Sockets that the kernel has partly drained since they were last asked
    // about count too much: count them all again, once in a turn of the loop.
    if (!this.#recounted) {
      this.#recounted = true
      queueMicrotask(() => { this.#recounted = false })
      this.#total = 0
      for (const [other] of this.#seen) {
        const bytes = other.bufferedAmount
        this.#seen.set(other, bytes)
        this.#total += bytes
      }
    }
    return this.#total > this.#limit
  }
}
