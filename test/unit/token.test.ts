import { createHmac } from 'node:crypto'
import t from 'tap'
import { newRootId, TokenSigner } from '../../lib/token.js'

const SECRET = 's'.repeat(32)
const claims = { r: '/items/:id', c: ['Cart'], i: 'lv-Zb3k9QmTqA', a: { id: '5' }, q: { tab: 'x' }, p: { size: 2 } }

t.test('a signed token verifies and returns its claims with the expiry', async (t) => {
  const signer = new TokenSigner(SECRET, 1000)
  const token = signer.sign(claims, 5_000)
  t.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'base64url payload "." base64url signature')
  const check = signer.verify(token, 5_500)
  t.same(check, { ok: true, claims: { ...claims, x: 6_000 } })
  const [body] = token.split('.')
  t.same(JSON.parse(Buffer.from(body!, 'base64url').toString()), { ...claims, x: 6_000 }, 'the payload is the JSON of the claims (docs/protocol.md)')
})

t.test('an expired token is refused', async (t) => {
  const signer = new TokenSigner(SECRET, 1000)
  const token = signer.sign(claims, 5_000)
  t.equal(signer.verify(token, 6_000).ok, true, 'valid up to its expiry')
  t.same(signer.verify(token, 6_001), { ok: false, reason: 'the token has expired; reload the page' })
})

t.test('a tampered token is refused', async (t) => {
  const signer = new TokenSigner(SECRET, 60_000)
  const token = signer.sign(claims)
  const [body, mac] = token.split('.') as [string, string]
  const forged = Buffer.from(JSON.stringify({ ...claims, r: '/admin', x: Date.now() + 60_000 })).toString('base64url')
  t.same(signer.verify(`${forged}.${mac}`), { ok: false, reason: 'the token signature is invalid' }, 'another payload under the same signature')
  const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1)
  t.equal(signer.verify(`${body}.${flipped}`).ok, false, 'a changed signature')
  t.equal(signer.verify(`${body}.${mac}x`).ok, false, 'a longer signature')
  t.equal(signer.verify(`${body}.`).ok, false, 'no signature')
  t.equal(new TokenSigner('o'.repeat(32), 60_000).verify(token).ok, false, 'a token signed with another secret')
})

t.test('a malformed token is refused', async (t) => {
  const signer = new TokenSigner(SECRET, 60_000)
  t.same(signer.verify('no-dot-here'), { ok: false, reason: 'the token is malformed' })
  t.same(signer.verify('.abc'), { ok: false, reason: 'the token is malformed' })
  t.same(signer.verify(''), { ok: false, reason: 'the token is malformed' })
  // Correctly signed but not JSON: only a holder of the secret could make it; still refused cleanly.
  const body = Buffer.from('{not json').toString('base64url')
  const sig = createHmac('sha256', Buffer.from(SECRET)).update(body).digest('base64url')
  t.same(signer.verify(`${body}.${sig}`), { ok: false, reason: 'the token is malformed' })
})

t.test('root ids are "lv-" and 10 url-safe characters, unique per call', async (t) => {
  const ids = Array.from({ length: 200 }, newRootId)
  t.same(ids.filter((id) => !/^lv-[A-Za-z0-9_-]{10}$/.test(id)), [])
  t.equal(new Set(ids).size, 200)
})

t.test('a signature with characters added is refused, though base64url decoding would skip them', async (t) => {
  const signer = new TokenSigner('s'.repeat(32), 60_000)
  const token = signer.sign({ r: '/x', c: [], i: 'lv-abcdefghij', a: {}, q: {}, p: {} })
  t.ok(signer.verify(token).ok)
  for (const altered of [token + '!!', token + '=', token.replace('.', '.*')]) {
    t.same(signer.verify(altered), { ok: false, reason: 'the token signature is invalid' }, altered.slice(-4))
  }
})
