import type { Params } from './socket.js'

// The page's client-state bus (`window.live.bus`). Values are JSON, kept for
// the page's lifetime (across morphs and reconnects). A publish reaches page
// subscribers and, through the relay the roots install, every other root
// that listens to the key.

type Listener = (value: unknown, key: string) => void
type Relay = (values: Params, from: unknown) => void

const values = new Map<string, string>()
const subs = new Map<string, Set<Listener>>()
let relay: Relay = () => {}

export const setRelay = (fn: Relay): void => { relay = fn }

export const bus = {
  subscribe (key: string, fn: Listener): () => void {
    let set = subs.get(key)
    if (!set) subs.set(key, set = new Set())
    set.add(fn)
    return () => { set.delete(fn) }
  },
  get (key: string): unknown {
    const json = values.get(key)
    return json === undefined ? undefined : JSON.parse(json)
  },
  publish (key: string, value: unknown): void {
    publish({ [key]: value })
  },
}

/** Publish several values at once (a reply's `cs`); `from` (the publishing root) is not sent them back. */
export function publish (changes: Params, from?: unknown): void {
  const out: Params = {}
  for (const key in changes) {
    const json = JSON.stringify(changes[key] ?? null)
    values.set(key, json)
    out[key] = JSON.parse(json)
    // each subscriber gets its own copy: one that mutates it can't change what the others (or the views) get
    for (const fn of subs.get(key) ?? []) {
      try { fn(JSON.parse(json), key) } catch (err) { console.error(err) }
    }
  }
  relay(out, from)
}

/** The current values of `keys` (for a root that (re)joins), or undefined when none is set. */
export function current (keys: string[]): Params | undefined {
  let out: Params | undefined
  for (const key of keys) {
    if (values.has(key)) (out ??= {})[key] = bus.get(key)
  }
  return out
}
