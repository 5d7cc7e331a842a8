// LiveViewJS driver, speaking the Phoenix channel protocol (vsn 2.0.0) the
// way phoenix_live_view's client does: messages are
// [joinRef, ref, topic, event, payload]; a reply is "phx_reply" with the
// same ref and { status, response }.
import { Channel, getPage, wsUrl, OPEN_TIMEOUT_MS } from './_shared.mjs'

function attr (html, re, what) {
  const m = re.exec(html)
  if (!m) throw new Error(`LiveViewJS page has no ${what}`)
  return m[1]
}

function replyTo (ref) {
  // A cheap prefix test first: other frames (diff pushes) pass through.
  const head = `["1","${ref}",`
  return (data) => {
    if (data.toString('latin1', 0, head.length) !== head) return false
    const msg = JSON.parse(data)
    if (msg[3] !== 'phx_reply') return false
    if (msg[4]?.status !== 'ok') throw new Error(`LiveViewJS ${msg[4]?.status}: ${JSON.stringify(msg[4]?.response).slice(0, 200)}`)
    return true
  }
}

export default {
  async open ({ origin, view }) {
    const url = `${origin}/${view}`
    const { body } = await getPage(url)
    const csrf = attr(body, /<meta name="csrf-token" content="([^"]+)"/, 'csrf-token meta')
    const session = attr(body, /data-phx-session="([^"]+)"/, 'data-phx-session')
    const topic = `lv:${attr(body, /id="(phx-[^"]+)"/, 'phx- root id')}`
    const ch = await Channel.open(wsUrl(origin, `/live/websocket?_csrf_token=${encodeURIComponent(csrf)}&vsn=2.0.0`))
    const join = ['1', '1', topic, 'phx_join', { url, params: { _csrf_token: csrf, _mounts: 0 }, session, static: '' }]
    await ch.call(JSON.stringify(join), replyTo(1), OPEN_TIMEOUT_MS)
    let ref = 1
    return {
      event ({ h, p }) {
        ref += 1
        const msg = ['1', String(ref), topic, 'event', { type: 'click', event: h, value: p }]
        return ch.call(JSON.stringify(msg), replyTo(ref))
      },
      close: () => ch.close()
    }
  }
}
