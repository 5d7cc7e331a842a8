// A view's ordered queue of work: events, client state, render requests,
// task completions, pushes and messages all run here, one at a time, in
// arrival order, so a view never renders two things at once.
//
// An idle queue runs a job at once, in the caller's tick, and a job that
// finishes synchronously (a synchronous handler and template) costs no
// promise. The queue is bounded in jobs and in the bytes of the frames they
// carry: a client that sends faster than its handlers finish is refused
// (`busy`) instead of growing the server's memory.

/**
 * A queued job: a function called with the queue's owner as `this` and one
 * argument (a frame, say), so queueing a job makes no closure. It returns a
 * promise only when it did not finish synchronously.
 */
export type Job<O, T> = (this: O, arg: T) => Promise<void> | undefined

export interface QueueLimits {
  /** Most jobs waiting behind the running one. */
  readonly maxJobs: number
  /** Most bytes of frames waiting behind the running one. */
  readonly maxBytes: number
}

interface Waiting { job: Job<any, any>, arg: unknown, bytes: number }

export class JobQueue<O> {
  readonly #owner: O
  readonly #limits: QueueLimits
  readonly #onError: (err: unknown) => void
  /** Whether a job is running; jobs that arrive meanwhile wait in `#waiting`. */
  #busy = false
  #waiting: Waiting[] | null = null
  #bytes = 0
  #closed = false
  #accepted = 0

  constructor (owner: O, limits: QueueLimits, onError: (err: unknown) => void) {
    this.#owner = owner
    this.#limits = limits
    this.#onError = onError
  }

  /** Whether a job is running now. */
  get busy (): boolean { return this.#busy }
  /** Jobs waiting behind the running one. */
  get length (): number { return this.#waiting?.length ?? 0 }
  /** Bytes of the frames waiting. */
  get bytes (): number { return this.#bytes }
  /** Jobs accepted so far: unchanged since a job was queued means it is still the last one. */
  get accepted (): number { return this.#accepted }

  /**
   * Run `job(arg)` after the jobs before it. `bytes` is the size of the frame
   * it carries (0 for work the server made). Returns `false`, and runs
   * nothing, when the queue is full or closed.
   */
  enqueue<T> (job: Job<O, T>, arg: T, bytes = 0): boolean {
    if (this.#closed) return false
    if (this.#busy) {
      const waiting = (this.#waiting ??= [])
      if (bytes > 0 && (waiting.length >= this.#limits.maxJobs || this.#bytes + bytes > this.#limits.maxBytes)) return false
      this.#accepted++
      waiting.push({ job, arg, bytes })
      this.#bytes += bytes
      return true
    }
    this.#accepted++
    this.#busy = true
    let pending = this.#run(job, arg)
    while (pending === undefined) {
      const next = this.#next()
      if (next === undefined) return this.#idle()
      pending = this.#run(next.job, next.arg)
    }
    void this.#drain(pending)
    return true
  }

  /** Drop what waits and run nothing more (the view closed): its frames are not kept alive. */
  close (): void {
    this.#closed = true
    this.#waiting = null
    this.#bytes = 0
  }

  #next (): Waiting | undefined {
    const next = this.#waiting?.shift()
    if (next !== undefined) this.#bytes -= next.bytes
    return next
  }

  /** Runs a job; returns its promise when it did not finish synchronously. */
  #run (job: Job<O, any>, arg: unknown): Promise<void> | undefined {
    try {
      const result = job.call(this.#owner, arg)
      if (result !== undefined) return result.then(undefined, this.#onError)
    } catch (err) {
      this.#onError(err)
    }
    return undefined
  }

  /** The rest of the queue once a job went asynchronous. */
  async #drain (pending: Promise<void>): Promise<void> {
    await pending
    for (let next = this.#next(); next !== undefined; next = this.#next()) {
      const later = this.#run(next.job, next.arg)
      if (later !== undefined) await later
    }
    this.#idle()
  }

  #idle (): true {
    this.#busy = false
    this.#waiting = null
    return true
  }
}
