import { LiveView } from '../../lib/index.js'

export class HomeView extends LiveView {
  static override template = 'home.njk'
  title = 'fastify-live demo'
  pageTitle = 'fastify-live demo'
}
