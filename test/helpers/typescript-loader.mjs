import { register } from 'node:module'

// `node --import=./test/helpers/typescript-loader.mjs file.ts`: the test
// files' TypeScript loader under tap (see typescript-hooks.mjs).
register('./typescript-hooks.mjs', import.meta.url)
