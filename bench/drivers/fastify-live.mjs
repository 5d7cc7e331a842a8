// fastify-live driver, per docs/protocol.md: GET the page, take the routed
// view's root (the first element with data-live-root: its id and
// data-live-token), open the page socket, `join`, then send `event` frames
// and wait for the `reply` (or `error`) carrying the same ref. `patch` frames
// arriving meanwhile count towards the reply's bytes.
import { Channel, getPage, wsUrl, OPEN_TIMEOUT_MS } from './_shared.mjs'

const unescapeAttr = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

function attrOf (tag, name) {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)
  return m ? unescapeAttr(m[1]) : undefined
}

function replyTo (ref) {
  // The server writes a reply's `t` and `ref` first: a prefix test settles a
  // reply without parsing it (the load client's CPU is not what is measured).
  // Any other frame is parsed, so an error for this ref still fails the call.
  const head = `{"t":"reply","ref":${ref},`
  return (data) => {
    if (data.length > head.length && data.toString('latin1', 0, head.length) === head) return true
    const msg = JSON.parse(data)
    if (msg.ref !== ref) return false
    if (msg.t === 'error') throw new Error(`fastify-live ${msg.code}: ${msg.message}`)
    return msg.t === 'reply'
  }
}

export default {
  async open ({ origin, view }) {
    const { body } = await getPage(`${origin}/${view}`)
    const root = /<[a-zA-Z][^>]*\sdata-live-root(?=[\s>=/])[^>]*>/.exec(body)
    const id = root && attrOf(root[0], 'id')
    const token = root && attrOf(root[0], 'data-live-token')
    if (!id || !token) throw new Error('fastify-live page has no live root with an id and data-live-token')
    const socketPath = attrOf(body, 'data-live-socket') ?? '/_live/socket'
    const ch = await Channel.open(wsUrl(origin, socketPath))
    await ch.call(JSON.stringify({ t: 'join', ref: 1, id, token }), replyTo(1), OPEN_TIMEOUT_MS)
    let ref = 1
    return {
      event ({ h, p }) {
        ref += 1
        return ch.call(JSON.stringify({ t: 'event', ref, id, h, p, type: 'click' }), replyTo(ref))
      },
      close: () => ch.close()
    }
  }
}
