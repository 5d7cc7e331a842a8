import { readFileSync } from 'node:fs'
import t from 'tap'
import * as errors from '../../lib/errors.js'
import * as publicErrors from '../../lib/errors-public.js'

const docs = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8')

/** Every coded error lib/errors.ts exports, by export name. */
const coded = Object.entries(errors).filter(([name]) => name.startsWith('FST_LIVE_')) as Array<[string, new (...args: unknown[]) => Error & { code: string, statusCode: number }]>

t.test('lib/errors.ts declares coded errors', async (t) => {
  t.ok(coded.length >= 7, `found ${coded.length}`)
  for (const [name, Err] of coded) {
    const err = new Err('detail')
    t.equal(err.code, name, `${name} carries its own name as code`)
    t.match(err.message, /^fastify-live: /, `${name} says where it comes from`)
  }
})

t.test('every FST_LIVE_* code is documented in docs/errors.md', async (t) => {
  const text = docs('errors.md')
  for (const [, Err] of coded) {
    const code = new Err('x').code
    t.ok(text.includes(code), `${code} is in docs/errors.md`)
  }
})

t.test('every coded error is exported to users as `errors`', async (t) => {
  for (const [name, Err] of coded) t.equal((publicErrors as Record<string, unknown>)[name], Err, name)
})

t.test('every wire error code is documented in docs/protocol.md, with a generic message', async (t) => {
  const text = docs('protocol.md')
  for (const [code, message] of Object.entries(errors.GENERIC_MESSAGES)) {
    t.ok(text.includes(`\`${code}\``), `${code} is in docs/protocol.md`)
    t.match(message, /^[A-Z].*\.$/, `${code} has a sentence for production`)
  }
})
