import { register } from 'node:module'

// `node --import=#tap-typescript file.ts` (package.json `imports`, so it
// resolves from any folder of the project, as tap's `before` script needs):
// the test files' TypeScript loader under tap (see typescript-hooks.mjs).
register('./typescript-hooks.mjs', import.meta.url)
