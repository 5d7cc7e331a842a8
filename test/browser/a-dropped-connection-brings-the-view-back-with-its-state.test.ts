import t from 'tap'
import type { Socket } from 'node:net'
import { launchBrowser, openChromiumPage, serve, waitConnected } from '../helpers/browser.js'
import { forgetRecorded, liveEvents, waitLiveEvents, wire } from '../helpers/recorder.js'
import { RecoverView, boot } from '../fixtures/recover-views.js'

// A connection that drops (no close frame: network, sleep, a proxy) parks the
// view on the server; the page reconnects and its rejoin resumes it.

const browser = await launchBrowser(t)

t.test('the server side of the TCP connection is destroyed: the counter at 3 comes back at 3 and counts on from there; mount ran once', async (t) => {
  const { app, url } = await serve(t, [['/recover', RecoverView]])
  const page = await openChromiumPage(t, browser, `${url}/recover`)
  for (let i = 1; i <= 3; i++) {
    await page.click('#inc')
    await page.waitForFunction((n) => document.querySelector('#count')!.textContent === String(n), i)
  }
  await forgetRecorded(page)

  // the socket's TCP connection, as a network drop leaves it: gone, without a close frame
  for (const client of app.websocketServer.clients) (client as unknown as { _socket: Socket })._socket.destroy()
  await waitLiveEvents(page, 'live:disconnected')
  await waitLiveEvents(page, 'live:connected')
  await waitConnected(page)

  t.equal(await page.textContent('#count'), '3', 'the state came back')
  t.equal(boot.mounts, 1, 'mount ran once in all: for the HTTP render')
  const frames = await wire(page)
  const join = frames.find((w) => w.dir === 'in' && w.frame.t === 'reply')!
  t.equal(join.frame.fresh, undefined, 'the join resumed the parked view')
  t.match(join.frame.html, /id="count">3</, 'and answered with its full render')
  t.notOk(frames.some((w) => w.dir === 'out' && w.frame.t === 'recover'), 'nothing to recover')

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '4')
  t.pass('and counts on from 3')
  t.equal((await liveEvents(page, 'live:error')).length, 0)
})
