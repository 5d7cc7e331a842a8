// Debounce per (element, handler): the latest params win; `wait` restarts on
// every event; `maxWait` (never less than `wait`) caps how long a burst can
// hold sends back; 'blur' waits for the element to lose focus. Pending sends
// are kept in the order they were first scheduled, so a form submit can flush
// them in that order.

export interface DebouncePolicy { wait?: number, maxWait?: number }

interface Pending { el: Element, h: string, fire: () => void, first: number, timer?: number }

const pending = new Set<Pending>()

export function debounce (el: Element, h: string, wait: number | 'blur', maxWait: number | undefined, fire: () => void): void {
  let p: Pending | undefined
  for (const q of pending) if (q.el === el && q.h === h) p = q
  if (!p) pending.add(p = { el, h, fire, first: Date.now() })
  p.fire = fire
  clearTimeout(p.timer)
  if (wait === 'blur') return
  // maxWait never cuts a wait short (an element's live-debounce may be longer than it)
  if (maxWait !== undefined) wait = Math.min(wait, Math.max(0, p.first + Math.max(maxWait, wait) - Date.now()))
  const q = p
  p.timer = setTimeout(() => run(q), wait)
}

/** Send now, in scheduling order, every pending send of `scope`, its ancestors, descendants or form fields. */
export function flush (scope: Element): void {
  for (const p of [...pending]) {
    if (scope.contains(p.el) || p.el.contains(scope) || (p.el as HTMLInputElement).form === scope) run(p)
  }
}

/** The socket closed: nothing pending may be sent later against a new session. */
export function dropDebounced (): void {
  for (const p of pending) clearTimeout(p.timer)
  pending.clear()
}

function run (p: Pending): void {
  clearTimeout(p.timer)
  pending.delete(p)
  p.fire()
}
