import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** What a mount token binds: enough to mount the view again on another process. */
export interface MountClaims {
  /** Route pattern, as registered with `app.live()`. */
  r: string
  /** Embed-name chain from the routed view (`[]` for the routed view itself). */
  c: string[]
  /** Root id. */
  i: string
  /** Expiry, epoch ms. */
  x: number
  /** Route params. */
  a: Record<string, string>
  /** Query. */
  q: Record<string, unknown>
  /** Embed props. */
  p: Record<string, unknown>
  /** The page's path and query, for `handleParams` (live navigation); absent in tokens of embeds. */
  u?: string
}

export type TokenCheck = { ok: true, claims: MountClaims } | { ok: false, reason: string }

/** Signs and verifies mount tokens: base64url(JSON) "." base64url(HMAC-SHA256). */
export class TokenSigner {
  readonly #key: Buffer
  constructor (secret: string, readonly maxAge: number) {
    this.#key = Buffer.from(secret)
  }

  sign (claims: Omit<MountClaims, 'x'>, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, x: now + this.maxAge })).toString('base64url')
    return `${body}.${this.#mac(body)}`
  }

  verify (token: string, now = Date.now()): TokenCheck {
    const dot = token.indexOf('.')
    if (dot <= 0) return { ok: false, reason: 'the token is malformed' }
    const body = token.slice(0, dot)
    // Compare the signature's text, not its decoding: base64url decoding skips
    // stray characters, which would let altered tokens verify.
    const mac = Buffer.from(token.slice(dot + 1))
    const expected = Buffer.from(this.#mac(body))
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return { ok: false, reason: 'the token signature is invalid' }
    let claims: MountClaims
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    } catch {
      return { ok: false, reason: 'the token is malformed' }
    }
    if (typeof claims.x !== 'number' || claims.x < now) return { ok: false, reason: 'the token has expired; reload the page' }
    return { ok: true, claims }
  }

  #mac (body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url')
  }
}

/** A root id: `lv-` and 10 url-safe random characters. */
export function newRootId (): string {
  return 'lv-' + randomBytes(8).toString('base64url').slice(0, 10)
}
