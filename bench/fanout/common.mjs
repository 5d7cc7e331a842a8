// What the fan-out peers share: the topic of each view, what a published
// message does to a view's state, and the IPC trigger bench/fanout.mjs uses
// to start a publish inside the server, timed from inside it.
import { applyEvent } from '../views/views.mjs'

export const topicOf = (view) => `fanout:${view}`

// counter: every message is one `inc`; table: `{ id }` toggles that row.
export function applyMessage (view, state, message) {
  if (view === 'counter') applyEvent('counter', state, 'inc', {})
  else applyEvent('table', state, 'toggle', { id: String(message.id) })
}

// `{ cmd: 'publish', id, view, message }` over IPC: `publish(view, message)`
// runs at once, and the answer carries the monotonic clock read just before
// (process.hrtime is CLOCK_MONOTONIC, one clock for every process of the
// machine, so the clients' arrival times are comparable with it).
export function onPublish (publish) {
  process.on('message', async (msg) => {
    if (msg?.cmd !== 'publish') return
    const t0 = process.hrtime.bigint()
    let info
    try {
      info = await publish(msg.view, msg.message)
    } catch (err) {
      process.send({ id: msg.id, error: String(err?.stack ?? err) })
      return
    }
    process.send({ id: msg.id, t0: String(t0), info })
  })
}
