import t from 'tap'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { LiveView, background, eventHandler, type LiveEvent } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { closed, listen, realSocket, until } from '../helpers/live.js'

let signals: AbortSignal[] = []

class WorkView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @background @eventHandler()
  async work (_params: unknown, event: LiveEvent) {
    signals.push(event.signal)
    await new Promise((resolve) => event.signal.addEventListener('abort', resolve))
  }
}

t.test('app.close() closes live sockets and ends every view and task', async (t) => {
  signals = []
  const app = await buildApp(t, [['/work', WorkView]])
  const base = await listen(app)
  const body = (await app.inject('/work')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  await page.event('work')
  await app.inject('/work') // a page rendered but never joined
  t.match(liveStats(app), { views: 2, tasks: 1, sockets: 1 })

  const code = closed(socket)
  await app.close()
  t.equal(await code, 1012, 'the browser sees the server restarting, and will reconnect')
  t.equal(signals[0]!.aborted, true, 'the running task was cancelled')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
})

t.test('a client that never answers the closing frame is cut off, so app.close() leaves nothing open behind it', async (t) => {
  const app = await buildApp(t, [['/work', WorkView]])
  const base = new URL(await listen(app))
  // A raw client: it completes the upgrade, then reads without ever answering (a stuck or vanished browser).
  const tcp = connect(Number(base.port), base.hostname)
  tcp.write(`GET /_live/socket HTTP/1.1\r\nHost: ${base.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  let received = Buffer.alloc(0)
  tcp.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]) })
  const ended = once(tcp, 'close')
  await until(() => received.includes('\r\n\r\n') && liveStats(app).sockets === 1, 'the upgrade')
  t.match(received.toString('latin1'), /^HTTP\/1\.1 101/)

  await app.close()
  await ended
  const frame = received.subarray(received.indexOf('\r\n\r\n') + 4)
  t.equal(frame[0], 0x88, 'it was sent a closing frame')
  t.equal(frame.readUInt16BE(2), 1012, 'with 1012, so a browser would reconnect')
  t.ok(tcp.destroyed, 'and the server closed the connection without waiting for an answer that never comes')
})
