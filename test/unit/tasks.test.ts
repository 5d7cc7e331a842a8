import t from 'tap'
import type { LiveStats } from '../../lib/core.js'
import { Tasks } from '../../lib/tasks.js'
import {  } from '../helpers/live.js'
import { deferred } from '../helpers/deferred.js'

function setUp () {
  const stats: LiveStats = { views: 0, tasks: 0, sockets: 0 }
  const settled: Array<{ name: string, result: unknown, error: unknown }> = []
  let notify = () => {}
  const tasks = new Tasks(stats, (name, result, error) => { settled.push({ name, result, error }); notify() })
  const next = () => new Promise<void>((resolve) => { notify = resolve })
  return { stats, settled, tasks, next }
}

t.test('a task runs with a signal, and its result is delivered once', async (t) => {
  const { stats, settled, tasks, next } = setUp()
  let signal: AbortSignal | undefined
  const done = next()
  tasks.start('load', (s) => { signal = s; return 42 })
  t.same([tasks.size, stats.tasks, tasks.names()], [1, 1, ['load']], 'counted while it runs')
  await done
  t.same(settled, [{ name: 'load', result: 42, error: undefined }])
  t.equal(signal?.aborted, false)
  t.same([tasks.size, stats.tasks], [0, 0], 'and no longer once settled')
})

t.test('a task that throws or rejects delivers its error; one that rejects with nothing, an Error', async (t) => {
  const { settled, tasks, next } = setUp()
  let done = next()
  tasks.start('a', () => { throw new Error('sync') })
  await done
  done = next()
  tasks.start('b', async () => { throw new Error('async') })
  await done
  done = next()
  tasks.start('c', () => Promise.reject(undefined)) // eslint-disable-line prefer-promise-reject-errors
  await done
  t.same(settled.map((s) => [s.name, (s.error as Error).message, s.result]), [['a', 'sync', undefined], ['b', 'async', undefined], ['c', 'task failed', undefined]])
})

t.test('starting a task of the same name cancels the running one: its signal aborts and its result is dropped', async (t) => {
  const { stats, settled, tasks, next } = setUp()
  const first = deferred<string>()
  let firstSignal: AbortSignal | undefined
  tasks.start('search', (s) => { firstSignal = s; return first.promise })
  await new Promise((resolve) => setImmediate(resolve)) // the first has started
  const done = next()
  tasks.start('search', () => 'second')
  t.equal(firstSignal?.aborted, true)
  t.match(firstSignal?.reason, { message: 'task "search" was cancelled' })
  await done
  first.resolve('first')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(settled, [{ name: 'search', result: 'second', error: undefined }], 'only the second result arrives')
  t.equal(stats.tasks, 0)
})

t.test('cancel aborts with its reason and says whether a task was running', async (t) => {
  const { stats, settled, tasks } = setUp()
  const gate = deferred()
  let signal: AbortSignal | undefined
  tasks.start('poll', (s) => { signal = s; return gate.promise })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(tasks.cancel('poll', new Error('view closed')), true)
  t.match(signal?.reason, { message: 'view closed' })
  t.equal(tasks.cancel('poll'), false, 'nothing left to cancel')
  t.equal(tasks.cancel('never'), false)
  gate.resolve()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(settled, [], 'a cancelled task settles nothing')
  t.same([tasks.size, stats.tasks], [0, 0])
})
