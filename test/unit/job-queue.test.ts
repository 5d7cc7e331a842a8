import t from 'tap'
import { JobQueue, type Job } from '../../lib/job-queue.js'
import {  } from '../helpers/live.js'
import { deferred } from '../helpers/deferred.js'

/** A queue whose owner records what ran, and the errors its jobs threw. */
function setUp (limits = { maxJobs: 3, maxBytes: 100 }) {
  const owner = { ran: [] as string[], errors: [] as unknown[] }
  const queue = new JobQueue(owner, limits, (err) => owner.errors.push(err))
  const sync: Job<typeof owner, string> = function (name) { this.ran.push(name); return undefined }
  /** A job that runs until `release()` is called. */
  const held = () => {
    const gate = deferred()
    const job: Job<typeof owner, string> = async function (name) { this.ran.push(`${name} started`); await gate.promise; this.ran.push(`${name} done`) }
    return { job, release: () => gate.resolve() }
  }
  return { owner, queue, sync, held }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

t.test('an idle queue runs a job at once, in the caller tick', async (t) => {
  const { owner, queue, sync } = setUp()
  t.equal(queue.enqueue(sync, 'a'), true)
  t.same(owner.ran, ['a'], 'ran before enqueue returned')
  t.equal(queue.busy, false)
})

t.test('jobs that arrive while one runs wait, and run in arrival order', async (t) => {
  const { owner, queue, sync, held } = setUp()
  const first = held()
  queue.enqueue(first.job, 'slow')
  queue.enqueue(sync, 'b', 10)
  queue.enqueue(sync, 'c', 10)
  t.equal(queue.busy, true)
  t.same([queue.length, queue.bytes], [2, 20])
  t.same(owner.ran, ['slow started'])
  first.release()
  await settle()
  t.same(owner.ran, ['slow started', 'slow done', 'b', 'c'])
  t.same([queue.busy, queue.length, queue.bytes], [false, 0, 0])
})

t.test('frames beyond maxJobs or maxBytes are refused and never run; the server own work is not', async (t) => {
  const { owner, queue, sync, held } = setUp({ maxJobs: 3, maxBytes: 100 })
  const first = held()
  queue.enqueue(first.job, 'slow', 10)
  t.same([1, 2, 3].map((k) => queue.enqueue(sync, `frame ${k}`, 10)), [true, true, true])
  t.equal(queue.enqueue(sync, 'frame 4', 10), false, 'a fourth frame waiting is one too many')
  t.equal(queue.enqueue(sync, 'push', 0), true, 'work the server made (0 bytes) is not refused')
  t.same([queue.length, queue.bytes], [4, 30])
  first.release()
  await settle()
  t.same(owner.ran, ['slow started', 'slow done', 'frame 1', 'frame 2', 'frame 3', 'push'])

  const second = held()
  queue.enqueue(second.job, 'slow')
  t.equal(queue.enqueue(sync, 'big', 60), true)
  t.equal(queue.enqueue(sync, 'too big', 41), false, '60 + 41 bytes is past maxBytes (100)')
  t.equal(queue.enqueue(sync, 'fits', 40), true, '60 + 40 is not')
  t.equal(queue.bytes, 100)
  second.release()
  await settle()
  t.same(owner.ran.slice(-4), ['slow started', 'slow done', 'big', 'fits'])
})

t.test('closing drops what waits, frees its bytes and runs nothing more', async (t) => {
  const { owner, queue, sync, held } = setUp()
  const first = held()
  queue.enqueue(first.job, 'slow')
  queue.enqueue(sync, 'waiting', 50)
  queue.close()
  t.same([queue.length, queue.bytes], [0, 0], 'nothing is kept')
  t.equal(queue.enqueue(sync, 'late'), false, 'a closed queue refuses work')
  first.release()
  await settle()
  t.same(owner.ran, ['slow started', 'slow done'], 'the running job finishes; the waiting one never runs')
  t.equal(queue.busy, false)
})

t.test('a job that throws or rejects is reported, and the queue goes on', async (t) => {
  const { owner, queue, sync, held } = setUp()
  const boom: Job<typeof owner, string> = () => { throw new Error('sync boom') }
  const later: Job<typeof owner, string> = async () => { throw new Error('async boom') }
  queue.enqueue(boom, 'x')
  queue.enqueue(sync, 'after sync boom')
  const first = held()
  queue.enqueue(first.job, 'slow')
  queue.enqueue(later, 'y')
  queue.enqueue(boom, 'z')
  queue.enqueue(sync, 'after both')
  first.release()
  await settle()
  t.same(owner.errors.map((e) => (e as Error).message), ['sync boom', 'async boom', 'sync boom'])
  t.same(owner.ran, ['after sync boom', 'slow started', 'slow done', 'after both'])
})

t.test('synchronous jobs after an asynchronous one run without waiting for each other', async (t) => {
  const { owner, queue, sync } = setUp({ maxJobs: 100, maxBytes: 10_000 })
  const gate = deferred()
  queue.enqueue(async function (this: typeof owner) { await gate.promise; this.ran.push('async') }, undefined)
  for (let k = 0; k < 50; k++) queue.enqueue(sync, String(k), 1)
  t.equal(queue.length, 50)
  gate.resolve()
  await settle()
  t.equal(owner.ran.length, 51)
  t.equal(owner.ran[50], '49')
})
