import { type Clock, pageClock } from './clock.js'

// Debounce per (target, handler): the latest send wins; `wait` restarts on
// every event; `maxWait` (never less than `wait`) caps how long a burst can
// hold sends back; 'blur' waits until flushed (the element losing focus).
// Pending sends are kept in the order they were first scheduled, so a form
// submit can flush them in that order. No DOM here: the caller says which
// targets a flush covers.

export interface DebouncePolicy { wait?: number, maxWait?: number }

export interface DebounceOptions<T> {
  /** what the send is for (the element): one pending send per target and handler */
  target: T
  handler: string
  /** milliseconds, or 'blur': nothing is sent until a flush */
  wait: number | 'blur'
  maxWait?: number | undefined
  /** the send; a later schedule of the same target and handler replaces it */
  fire: () => void
}

interface Pending<T> { target: T, handler: string, fire: () => void, first: number, timer?: number }

export interface Debouncer<T> {
  debounce (options: DebounceOptions<T>): void
  /** Send now, in scheduling order, every pending send whose target `covers` accepts. */
  flush (covers: (target: T) => boolean): void
  /** Forget every pending send (the session they were meant for is gone). */
  drop (): void
}

export function createDebouncer<T> (clock: Clock = pageClock): Debouncer<T> {
  const pending = new Set<Pending<T>>()
  const run = (p: Pending<T>): void => {
    clock.clearTimeout(p.timer)
    pending.delete(p)
    p.fire()
  }
  return {
    debounce ({ target, handler, wait, maxWait, fire }) {
      let p: Pending<T> | undefined
      for (const q of pending) if (q.target === target && q.handler === handler) p = q
      if (!p) pending.add(p = { target, handler, fire, first: clock.now() })
      p.fire = fire
      clock.clearTimeout(p.timer)
      if (wait === 'blur') return
      // maxWait never cuts a wait short (an element's live-debounce may be longer than it)
      if (maxWait !== undefined) wait = Math.min(wait, Math.max(0, p.first + Math.max(maxWait, wait) - clock.now()))
      const q = p
      p.timer = clock.setTimeout(() => run(q), wait)
    },
    flush (covers) {
      for (const p of [...pending]) if (covers(p.target)) run(p)
    },
    drop () {
      for (const p of pending) clock.clearTimeout(p.timer)
      pending.clear()
    },
  }
}

/** The page's debounced sends, keyed by element. */
export const pageDebounce = createDebouncer<Element>()
