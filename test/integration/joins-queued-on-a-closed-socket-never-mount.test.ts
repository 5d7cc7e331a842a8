import t from 'tap'
import { LiveView } from '../../lib/index.js'
import { liveStats } from '../../lib/testing.js'
import { newRootId, TokenSigner } from '../../lib/token.js'
import { buildApp, SECRET } from '../helpers/app.js'
import { closed, listen, realSocket, until } from '../helpers/live.js'
import { deferred } from '../helpers/deferred.js'

let mounts = 0
let firstMount = deferred()
let mountStarted = deferred()

class SlowMountView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override async mount () {
    mounts++
    mountStarted.resolve()
    await firstMount.promise
  }
}

t.test('joins queued behind a slow one on a socket that has closed never run mount()', async (t) => {
  mounts = 0
  firstMount = deferred()
  mountStarted = deferred()
  const app = await buildApp(t, [['/slow', SlowMountView]])
  const base = await listen(app)
  const signer = new TokenSigner(SECRET, 60_000)
  const socket = await realSocket(base)
  const joins = 80
  // Tokens of fresh views (no page rendered them): each join mounts its own.
  for (let k = 0; k < joins; k++) {
    const id = newRootId()
    socket.send(JSON.stringify({ t: 'join', ref: k + 1, id, token: signer.sign({ r: '/slow', c: [], i: id, a: {}, q: {}, p: {} }) }))
  }
  const refused: string[] = []
  socket.on('message', (data) => refused.push(String(data)))
  await Promise.race([mountStarted.promise, closed(socket)])
  t.same(refused, [], 'no join was refused')
  const code = closed(socket)
  socket.close()
  await code
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  firstMount.resolve()
  await until(() => liveStats(app).views === 0, 'the mounted view to be closed')
  // Let every join still queued on the closed socket have its turn.
  for (let k = 0; k < joins; k++) await new Promise((resolve) => setImmediate(resolve))
  t.equal(mounts, 1, `only the join already mounting ran mount() (of ${joins} sent)`)
  t.same(liveStats(app), { views: 0, tasks: 0, sockets: 0 }, 'and its view did not outlive the socket')
})
