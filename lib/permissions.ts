import type { FastifyRequest } from 'fastify'
import type { ResolvedOptions } from './options.js'

// Route and handler permissions, checked against the app's resolver: for a
// GET, a join and a `@permissionRequired` handler alike.

/** `null` when every permission is granted, else a description of what is missing. A resolver that throws grants nothing. */
export async function missingPermissions (opts: Pick<ResolvedOptions, 'permissions'>, request: FastifyRequest, required: readonly string[]): Promise<string | null> {
  let granted: Set<string>
  try {
    granted = new Set(await opts.permissions(request))
  } catch (err) {
    request.log.warn({ err }, 'fastify-live: the permissions resolver threw; refusing')
    return `the permission ${required.join(', ')} (the permissions resolver failed)`
  }
  const missing = required.filter((p) => !granted.has(p))
  return missing.length === 0 ? null : `the permission${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p}"`).join(', ')}`
}
