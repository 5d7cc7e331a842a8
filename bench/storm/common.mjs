// What the storm's client and probe share: a page of the counter view, read
// the way the browser bundle reads it (root id, token), and the browser's
// reconnect delay.
import { enforceLoopback } from '../loopback.mjs'

enforceLoopback()

const unescapeAttr = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
const attrOf = (tag, name) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)
  return m ? unescapeAttr(m[1]) : undefined
}

/** GET the counter page: its root id, token and socket URL. */
export async function getPage (origin) {
  const res = await fetch(`${origin}/counter`)
  const body = await res.text()
  if (res.status !== 200) throw new Error(`GET /counter answered ${res.status}`)
  const root = /<[a-zA-Z][^>]*\sdata-live-root(?=[\s>=/])[^>]*>/.exec(body)
  const id = root && attrOf(root[0], 'id')
  const token = root && attrOf(root[0], 'data-live-token')
  if (!id || !token) throw new Error('the page has no live root with an id and data-live-token')
  return { id, token, path: attrOf(body, 'data-live-socket') ?? '/_live/socket' }
}

export const wsUrl = (origin, path) => origin.replace(/^http/, 'ws') + path

/**
 * browser/socket.ts, after the close numbered `tries` (0 for the first since
 * the last successful join): 250 ms doubling to 10 s, scaled by a random
 * 0.5–1.
 */
export const backoffMs = (tries) => Math.min(10000, 250 * 2 ** Math.min(tries, 6)) * (0.5 + Math.random() / 2)

/** The count the counter view shows in a render. */
export const countIn = (html) => Number(/<output id="count">(\d+)<\/output>/.exec(html)?.[1])

export const now = () => process.hrtime.bigint()
