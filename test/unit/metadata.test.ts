import t from 'tap'
import { record, recordedMeta } from '../../lib/metadata.js'
import { kHandlerMeta } from '../../lib/symbols.js'

t.test('record keeps one record per function, shared by every decorator', async (t) => {
  function search () {}
  record(search, '@eventHandler', (meta) => { meta.eventHandler = true })
  record(search, '@debounce', (meta) => { meta.spec.debounce = 10 })
  t.same(recordedMeta(search), { eventHandler: true, spec: { debounce: 10 }, applied: ['@eventHandler', '@debounce'] })
  t.equal((search as any)[kHandlerMeta], recordedMeta(search))
  t.equal(kHandlerMeta, Symbol.for('fastify-live.handler'), 'a registered symbol, so two copies of the package agree')
})

t.test('record refuses the same decorator twice', async (t) => {
  function save () {}
  record(save, '@loading', () => {})
  t.throws(() => record(save, '@loading', () => {}), { message: 'fastify-live: @loading is applied twice to save(); apply it once' })
})

t.test('recordedMeta of anything undecorated is undefined', async (t) => {
  t.equal(recordedMeta(function plain () {}), undefined)
  t.equal(recordedMeta(undefined), undefined)
  t.equal(recordedMeta({ [kHandlerMeta]: {} }), undefined, 'only functions carry metadata')
})
