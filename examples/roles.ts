import type { FastifyRequest } from 'fastify'

// The demo's stand-in for a login: a cookie set by /sign-in. A real app would
// read its session here (the resolver gets the GET and the WebSocket upgrade
// request, cookies included).

export const ROLE_COOKIE = 'demo-role'
const GRANTS: Record<string, string[]> = { admin: ['admin', 'deploy.rollback'], guest: [] }

export function roleOf (request: FastifyRequest): string {
  const match = /(?:^|;\s*)demo-role=(admin|guest)(?:;|$)/.exec(request.headers.cookie ?? '')
  return match?.[1] ?? 'guest'
}

/** The plugin's `permissions` resolver. */
export function permissionsOf (request: FastifyRequest): string[] {
  return GRANTS[roleOf(request)]!
}
