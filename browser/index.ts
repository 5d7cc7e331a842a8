import { DEBUG, DEFAULT_SOCKET, SOCKET, UPLOADS_BUNDLE } from './constants.js'
import { bus } from './bus.js'
import { debug } from './debug.js'
import { hookEvent, listen, viewportEvent } from './events.js'
import { allRoots, boot, rootOf } from './registry.js'
import { loadUploads } from './upload-loader.js'
import { hooks, listenHooks, setHookSender } from './hooks.js'
import { settleAll } from './morph.js'
import { listenViewport, setViewportSender } from './viewport.js'
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
  setViewportSender(viewportEvent)
  listenViewport(document)
  // the first page's stream containers: their limits and empty states
  settleAll(document)
  const script = document.querySelector(`script[${SOCKET}]`)
  const uploads = script?.getAttribute(UPLOADS_BUNDLE)
  if (uploads) loadUploads(uploads, { rootOf })
  const url = new URL(script?.getAttribute(SOCKET) || DEFAULT_SOCKET, location.href)
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
