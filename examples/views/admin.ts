import { LiveView } from '../../lib/index.js'

/** Behind a route permission: guests get the 403 page, inside the demo's layout. */
export class AdminView extends LiveView {
  static override template = 'admin.njk'
  title = 'Admin'
  pageTitle = 'Admin · fastify-live'
}
