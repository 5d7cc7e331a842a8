import { DEBUG, DEFAULT_SOCKET, SOCKET } from './constants.js'
import { bus } from './bus.js'
import { debug } from './debug.js'
import { hookEvent, listen } from './events.js'
import { allRoots, boot } from './registry.js'
import { hooks, listenHooks, setHookSender } from './hooks.js'
import { listenNavigation } from './navigation.js'

declare global {
  interface Window { live?: object }
}

function start (): void {
  // Development only: the page names the panel's URL; production loads nothing more.
  const panel = document.querySelector(`[${DEBUG}]`)?.getAttribute(DEBUG)
  if (panel != null) {
    debug.on = true
    if (panel) {
      import(panel)
        .then((m: { default?: (ctx: { log: typeof debug.log }) => void }) => m.default?.({ log: debug.log }))
        .catch((err) => console.error('live: debug panel failed to load', err))
    }
  }
  listen(document)
  setHookSender(hookEvent)
  listenHooks(document)
  const url = new URL(document.querySelector(`script[${SOCKET}]`)?.getAttribute(SOCKET) || DEFAULT_SOCKET, location.href)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  boot(url.href)
  listenNavigation(document)
}

// Loaded twice (two script tags), the second copy stays out of the way.
if (!window.live) {
  window.live = {
    bus,
    roots: () => allRoots().map((r) => ({ id: r.id, el: r.el, v: r.version })),
    debug,
    hooks,
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true })
  else start()
}
