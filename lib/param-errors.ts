import type { ErrorObject } from 'ajv'

// Validation messages a form shows (`live.errors.field`): ajv's errors
// (all of them: the validators behind this are compiled with `allErrors`)
// turned into one readable sentence per field, named after the field, so a
// template needs no code of its own: `{{ live.errors.title }}` → "title must
// not be empty".

/** One message per field, the first error of each; `handler` names the handler for undeclared params. */
export function paramMessages (errors: readonly ErrorObject[], handler: string, declared: readonly string[]): Record<string, string> {
  const messages: Record<string, string> = {}
  for (const e of errors) {
    const field = fieldOf(e)
    if (field in messages) continue
    messages[field] = `${field} ${sentence(e, handler, declared)}`
  }
  return messages
}

function fieldOf (e: ErrorObject): string {
  if (e.keyword === 'required') return String(e.params.missingProperty)
  if (e.keyword === 'additionalProperties' && e.instancePath === '') return String(e.params.additionalProperty)
  // `/tags/0` is the field `tags`
  const first = e.instancePath.split('/')[1]
  return first === undefined || first === '' ? 'params' : first.replace(/~1/g, '/').replace(/~0/g, '~')
}

function sentence (e: ErrorObject, handler: string, declared: readonly string[]): string {
  const p = e.params as Record<string, any>
  switch (e.keyword) {
    case 'minLength': return p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters long`
    case 'maxLength': return `must be at most ${p.limit} characters long`
    case 'minimum': return `must be at least ${p.limit}`
    case 'maximum': return `must be at most ${p.limit}`
    case 'exclusiveMinimum': return `must be more than ${p.limit}`
    case 'exclusiveMaximum': return `must be less than ${p.limit}`
    case 'minItems': return `must have at least ${p.limit} ${p.limit === 1 ? 'item' : 'items'}`
    case 'maxItems': return `must have at most ${p.limit} ${p.limit === 1 ? 'item' : 'items'}`
    case 'required': return 'is required'
    case 'type': return `must be ${article([p.type].flat().join(' or '))}`
    case 'enum': return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`
    case 'const': return `must be ${JSON.stringify(p.allowedValue)}`
    case 'pattern': return 'is not in the expected format'
    case 'format': return `must be a valid ${p.format}`
    case 'additionalProperties': return `is not a param of ${handler} (its params: ${declared.join(', ') || 'none'})`
    default: return (e.message ?? 'is invalid').replace(/\bNOT\b/g, 'not')
  }
}

function article (type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}
