import t from 'tap'
import { Ajv } from 'ajv'
import { paramMessages } from '../../lib/param-errors.js'

const ajv = new Ajv({ allErrors: true, strict: false })

function messages (schema: object, data: unknown): Record<string, string> {
  const validate = ajv.compile(schema)
  t.notOk(validate(data), 'the data fails')
  return paramMessages(validate.errors!, 'save()', ['a', 'b'])
}

t.test('each keyword reads as a sentence that names the field', async (t) => {
  const props = (p: object): object => ({ type: 'object', properties: p, additionalProperties: false })
  t.same(messages(props({ a: { minLength: 1 } }), { a: '' }), { a: 'a must not be empty' })
  t.same(messages(props({ a: { minLength: 3 }, b: { maxLength: 1 } }), { a: 'x', b: 'yy' }), { a: 'a must be at least 3 characters long', b: 'b must be at most 1 characters long' })
  t.same(messages(props({ a: { minimum: 2 }, b: { maximum: 1 } }), { a: 1, b: 2 }), { a: 'a must be at least 2', b: 'b must be at most 1' })
  t.same(messages(props({ a: { exclusiveMinimum: 2 }, b: { exclusiveMaximum: 1 } }), { a: 2, b: 1 }), { a: 'a must be more than 2', b: 'b must be less than 1' })
  t.same(messages(props({ a: { minItems: 1 }, b: { maxItems: 2 } }), { a: [], b: [1, 2, 3] }), { a: 'a must have at least 1 item', b: 'b must have at most 2 items' })
  t.same(messages(props({ a: { minItems: 2 }, b: { maxItems: 1 } }), { a: [], b: [1, 2] }), { a: 'a must have at least 2 items', b: 'b must have at most 1 item' })
  t.same(messages(props({ a: { type: 'integer' }, b: { type: ['string', 'null'] } }), { a: 'x', b: 1 }), { a: 'a must be an integer', b: 'b must be a string or null' })
  t.same(messages(props({ a: { enum: ['x', 'y'] }, b: { const: 'z' } }), { a: 'q', b: 'w' }), { a: 'a must be one of: x, y', b: 'b must be "z"' })
  t.same(messages(props({ a: { pattern: '^x' }, b: { multipleOf: 2 } }), { a: 'y', b: 3 }), { a: 'a is not in the expected format', b: 'b must be multiple of 2' })
  t.same(messages({ type: 'object', required: ['a'] }, {}), { a: 'a is required' })
  t.same(messages(props({ a: {} }), { c: 1 }), { c: 'c is not a param of save() (its params: a, b)' })
  t.same(messages(props({ a: { items: { type: 'string' } } }), { a: ['x', 1] }), { a: 'a must be a string' }, 'a nested error belongs to its top-level field')
  t.same(messages({ type: 'object', properties: { 'x/y': { type: 'string' } } }, { 'x/y': 1 }), { 'x/y': 'x/y must be a string' })
  t.same(messages({ type: 'string' }, 1), { params: 'params must be a string' })
  t.same(messages(props({ a: { not: { type: 'string' } } }), { a: 'x' }), { a: 'a must not be valid' }, "other keywords: ajv's message, with NOT in lower case")
})

t.test('the first error of a field wins; an error without a message still reads', async (t) => {
  t.same(messages({ type: 'object', properties: { a: { type: 'string', minLength: 2, pattern: '^z' } } }, { a: 'x' }), { a: 'a must be at least 2 characters long' })
  t.same(paramMessages([{ keyword: 'format', instancePath: '/mail', schemaPath: '#', params: { format: 'email' } }], 'save()', []), { mail: 'mail must be a valid email' })
  t.same(paramMessages([{ keyword: 'custom', instancePath: '/a', schemaPath: '#', params: {} }], 'save()', []), { a: 'a is invalid' })
  t.same(paramMessages([{ keyword: 'additionalProperties', instancePath: '', schemaPath: '#', params: { additionalProperty: 'z' } }], 'save()', []), { z: 'z is not a param of save() (its params: none)' })
})
