import type { Browser, Page } from 'playwright-core'
import { openPage } from './browser.js'

// Browser-test helpers of the ui-* behaviour files (@loading, @optimistic,
// client state, embeds, debug panel): a page whose WebSocket traffic is
// recorded, in order and with timestamps, before the bundle sees it.

export interface WireEntry {
  dir: 'in' | 'out'
  /** performance.now() in the page when the frame was sent or received */
  at: number
  /** the frame's size in bytes (UTF-8), as sent */
  bytes: number
  frame: { t: string, ref?: number, id?: string, h?: string, p?: Record<string, unknown>, html?: string, code?: string, [key: string]: unknown }
}

interface Tap { teardown (fn: () => unknown): void }

/** Runs in the page before any of its scripts: wraps WebSocket to log every frame and count sockets. */
function recordWire (): void {
  const w = window as any
  w.__wire = []
  w.__sockets = []
  const Native = window.WebSocket
  const send = Native.prototype.send
  Native.prototype.send = function (this: WebSocket, data: string) {
    const frame = JSON.parse(data)
    w.__wire.push({ dir: 'out', at: performance.now(), bytes: new Blob([data]).size, frame })
    // a test's probe of the page at the moment a frame leaves
    w.__onSend?.(frame)
    return send.call(this, data)
  }
  // A listener added in the constructor runs before the bundle's `onmessage`.
  w.WebSocket = class extends Native {
    constructor (url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      w.__sockets.push(this)
      this.addEventListener('message', (e) => w.__wire.push({ dir: 'in', at: performance.now(), bytes: new Blob([e.data]).size, frame: JSON.parse(e.data) }))
    }
  }
}

/** A fresh page (own context) at `url` with its wire recorded; waits until every root is joined. */
export async function openWiredPage (t: Tap, browser: Browser, url: string): Promise<Page> {
  return await openPage(t, browser, url, recordWire)
}

/** Every frame sent and received so far, in order. */
export async function wire (page: Page): Promise<WireEntry[]> {
  return await page.evaluate(() => (window as any).__wire)
}

/** How many WebSockets the page has opened. */
export async function socketCount (page: Page): Promise<number> {
  return await page.evaluate(() => (window as any).__sockets.length)
}

/** A promise with its resolve function, for handlers a test releases. */
export function gate (): { promise: Promise<void>, open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => { open = resolve })
  return { promise, open }
}
