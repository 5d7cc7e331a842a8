import t from 'tap'
import { LiveView } from '../../lib/index.js'
import { buildApp } from '../helpers/app.js'

class BrokenView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { throw new Error('db password is hunter2') }
}

t.test('a page whose mount throws answers 500 with a generic HTML page in production', async (t) => {
  const app = await buildApp(t, [['/broken', BrokenView]], { debug: false })
  const res = await app.inject('/broken')
  t.equal(res.statusCode, 500)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /500 Server Error/)
  t.notMatch(res.body, /hunter2|at .*\.ts/, 'no user error message, no stack')
})

t.test('in development the error page shows what went wrong', async (t) => {
  const app = await buildApp(t, [['/broken', BrokenView]], { debug: true })
  const res = await app.inject('/broken')
  t.equal(res.statusCode, 500)
  t.match(res.body, /db password is hunter2/)
})
