// Throttle with lodash's semantics, per (element, key): `leading` sends the
// first event at once; while the interval runs, `trailing` keeps the latest
// event and sends it when the interval ends, which starts a new interval.

export interface ThrottlePolicy { interval?: number, leading?: boolean, trailing?: boolean }

interface Gate { timer: number, fire?: () => void }

const open = new Map<Element, Map<string, Gate>>()

export function throttle (el: Element, key: string, pol: ThrottlePolicy, fire: () => void): void {
  let byKey = open.get(el)
  const w = byKey?.get(key)
  if (w) {
    if (pol.trailing !== false) w.fire = fire
    return
  }
  if (!byKey) open.set(el, byKey = new Map())
  const interval = pol.interval ?? 100
  const win: Gate = { timer: 0, fire: pol.leading === false && pol.trailing !== false ? fire : undefined }
  const tick = (): void => {
    const f = win.fire
    if (f) {
      win.fire = undefined
      win.timer = setTimeout(tick, interval)
      f()
    } else {
      byKey!.delete(key)
      if (!byKey!.size) open.delete(el)
    }
  }
  win.timer = setTimeout(tick, interval)
  byKey.set(key, win)
  if (pol.leading !== false) fire()
}

export function dropThrottled (): void {
  for (const byKey of open.values()) for (const w of byKey.values()) clearTimeout(w.timer)
  open.clear()
}
