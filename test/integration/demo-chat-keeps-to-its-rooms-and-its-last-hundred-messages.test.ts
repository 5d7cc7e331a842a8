import t from 'tap'
import { buildDemo } from '../../examples/server.js'
import { openLive, type LivePage } from '../../lib/testing.js'

// The demo's chat room (examples/views/chat.ts) over real sockets, for what
// the Chromium tests do not reach: refused rooms, ignored input, the bound.

const app = await buildDemo({ logger: false })
t.teardown(() => app.close())

async function room (url: string): Promise<LivePage> {
  const page = await openLive(app, url)
  t.teardown(() => page.close())
  return page
}

/** Waits until the page shows `pattern` (patches arrive unasked). */
async function shows (page: LivePage, pattern: RegExp): Promise<void> {
  while (!pattern.test(page.html())) await page.next((f) => f.t === 'patch')
}

const listed = (page: LivePage): string[] => [...page.html().matchAll(/<li id="msg-(\d+)">/g)].map((m) => m[1]!)

t.test('a room name that is not lower-case letters, digits and dashes is a 404; an announce to it a 400', async (t) => {
  t.equal((await app.inject('/chat/Lobby')).statusCode, 404)
  t.equal((await app.inject(`/chat/${'a'.repeat(33)}`)).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/chat/Lobby/announce', payload: { text: 'x' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/chat/lobby/announce', payload: { text: '' } })).statusCode, 400, 'an empty announce too')
  const res = await app.inject('/chat')
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, '/chat/lobby')
})

t.test('blank messages, messages without a name and messages of another shape are not shown', async (t) => {
  const ann = await room('/chat/quiet?name=Ann')
  const reader = await room('/chat/quiet')
  t.match(reader.html(), /id="name-form"/, 'a visitor without a name is asked for one')
  t.equal((await ann.event('say', { text: '   ' })).t, 'reply')
  t.equal((await ann.event('say', {})).t, 'reply')
  t.equal((await reader.event('say', { text: 'sneaky' })).t, 'reply')
  await app.live.publish('chat:quiet', { hello: 'not a chat message' })
  await app.live.publish('chat:quiet', null)
  await app.live.publish('chat:quiet', { from: 'server', text: 'fence' })
  await shows(ann, /fence/)
  await shows(reader, /fence/)
  t.same(listed(ann), ['1'], 'only the fence, on the page that sent blanks')
  t.same(listed(reader), ['1'], 'and on the nameless one')
})

t.test('a page keeps the last 100 messages', async (t) => {
  const ann = await room('/chat/busy?name=Ann')
  for (let i = 1; i <= 105; i++) await app.live.publish('chat:busy', { from: 'server', text: `n${i}` })
  await shows(ann, /id="msg-105"/)
  const ids = listed(ann)
  t.equal(ids.length, 100)
  t.equal(ids[0], '6', 'the oldest went first')
  t.match(ann.html(), /<b>server<\/b> n105/)
})
