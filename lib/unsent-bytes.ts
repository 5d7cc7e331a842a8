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
  readonly #behind = new Set<Holder>()

  constructor (limit: number) {
    this.#limit = limit
  }

  /** Unsent bytes of the sockets that are behind. */
  get total (): number {
    let bytes = 0
    for (const holder of this.#behind) bytes += holder.bufferedAmount
    return bytes
  }

  /**
   * Whether `holder` (whose TCP socket is `tcp`) must be held back for the
   * total: it is behind, and the total is past the limit. It is counted until
   * its TCP socket drains (the event a held-back socket waits for) or closes.
   */
  over (holder: Holder, tcp: Socket | undefined): boolean {
    if (tcp === undefined || !tcp.writableNeedDrain) return false
    if (!this.#behind.has(holder)) {
      this.#behind.add(holder)
      const leave = (): void => {
        this.#behind.delete(holder)
        tcp.off('drain', leave)
        tcp.off('close', leave)
      }
      tcp.on('drain', leave)
      tcp.on('close', leave)
    }
    return this.total > this.#limit
  }
}
