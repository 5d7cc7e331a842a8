import { ROOT } from './constants.js'
import { setRelay } from './bus.js'
import { pageDebounce } from './debounce.js'
import { pageThrottle } from './throttle.js'
import { createReloader } from './reload.js'
import { reportError } from './report.js'
import { LiveRoot, type RootContext } from './root.js'
import { afterMorph } from './hooks.js'
import { type Params, Socket } from './socket.js'

// Which live roots the page has, and the one socket they share. Roots come
// and go with the DOM (morphs, embedded views, page scripts); the registry
// joins new ones, leaves removed ones and routes pushed frames to them.

const roots = new Map<Element, LiveRoot>()
let context: RootContext | undefined

export const rootOf = (el: Element): LiveRoot | undefined => {
  const r = el.closest(`[${ROOT}]`)
  return r ? roots.get(r) : undefined
}

export const allRoots = (): LiveRoot[] => [...roots.values()]

const byId = (id: string | undefined): LiveRoot | undefined => {
  for (const r of roots.values()) if (r.id === id) return r
}

/** Leave roots that left the DOM (or changed id), and join new ones. */
export function scan (fresh: boolean): void {
  if (!context) return
  const { socket } = context
  for (const [el, r] of roots) {
    if (!el.isConnected || el.id !== r.id) {
      roots.delete(el)
      r.leave()
    }
  }
  for (const el of document.querySelectorAll(`[${ROOT}]`)) {
    if (roots.has(el)) continue
    const r = new LiveRoot(el, context, fresh)
    roots.set(el, r)
    if (socket.open) r.join()
  }
  if (roots.size && !socket.started) socket.connect()
  // client hooks of elements page scripts (or a first page) added or removed
  afterMorph(document)
}

export function boot (url: string): void {
  const socket = new Socket(url, {
    open () { for (const r of roots.values()) r.join() },
    close () {
      // timers would send against a session that no longer exists
      pageDebounce.drop()
      pageThrottle.drop()
      for (const r of roots.values()) r.disconnected()
    },
    frame (f) {
      const r = byId(f.id)
      if (f.t === 'patch') r?.patch(f)
      else if (f.t === 'push') r?.pushed(f.ev)
      else if (f.t === 'error') r ? r.error(f) : reportError(document, { code: f.code, message: f.message, handler: f.handler ?? null })
    },
  })
  context = { socket, reloader: createReloader(() => sessionStorage, () => location.reload()) }
  setRelay((values, from) => {
    for (const r of roots.values()) {
      if (r === from) continue
      let picked: Params | undefined
      for (const key of r.listens()) if (key in values) (picked ??= {})[key] = values[key]
      if (picked) r.sendState(picked)
    }
  })
  scan(false)
  // roots come and go with morphs (embedded views) and page scripts
  new MutationObserver(() => scan(true)).observe(document.documentElement, { childList: true, subtree: true })
}
