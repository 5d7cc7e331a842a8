// What a new user does, from an empty folder, with what `npm pack` would
// publish: the steps of docs/getting-started.md ("From an empty folder") run
// as written, against the packed tarball, with a fresh `npm install` (no
// lockfile: the newest versions the ranges allow, as a user gets them) and
// the newest TypeScript. The repository's own lockfile once hid a ws release
// that broke `fastify-live/testing`; this test would have caught it.
import { execFile, spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The environment of a user's shell: none of tap's (coverage, loaders) nor
 * of the `npm test` this may run under (its npm_* settings would leak into
 * the user's npm).
 */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^(npm_|TAP|_TAPJS|NODE_OPTIONS$|NODE_V8_COVERAGE$|INIT_CWD$|NODE_ENV$)/i.test(k)))
Object.assign(userEnv, { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' })

/**
 * tap's process-info hook puts its loader into the NODE_OPTIONS of every
 * child process; `env -u` takes it out again for the user's commands.
 */
const clean = (command: string, args: string[]): [string, string[]] => ['env', ['-u', 'NODE_OPTIONS', command, ...args]]

/** Run a command to its end; the error carries its output. */
async function run (cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile(...clean(command, args), { cwd, env: { ...userEnv, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`))
      else resolve(stdout + stderr)
    })
  })
}

interface Block { lang: string, file: string | undefined, text: string }

/** The fenced blocks of the getting-started section, in order. */
async function steps (): Promise<Block[]> {
  const doc = await readFile(join(root, 'docs/getting-started.md'), 'utf8')
  const start = doc.indexOf('## From an empty folder')
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1))
  return [...section.matchAll(/```(\w+)(?: file=(\S+))?\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, file: m[2], text: m[3]! }))
}

/** `npm pack` of a copy of the sources, so the build it runs never rewrites this checkout's dist/ under other tests. */
async function pack (work: string): Promise<string> {
  const src = join(work, 'src')
  for (const entry of ['package.json', 'tsconfig.json', 'LICENSE', 'README.md', 'lib', 'browser', 'templates', 'scripts']) {
    await cp(join(root, entry), join(src, entry), { recursive: true })
  }
  await symlink(join(root, 'node_modules'), join(src, 'node_modules'), 'dir')
  await run(src, 'npm', ['pack', '--pack-destination', work])
  const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'))
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`)
  return join(work, tarball)
}

/** Every file under `dir`, relative to it. */
async function files (dir: string, under = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(join(dir, under), { withFileTypes: true })) {
    const rel = join(under, entry.name)
    if (entry.isDirectory()) out.push(...await files(dir, rel))
    else out.push(rel)
  }
  return out
}

/** How long each step took, printed at the end (the test is the suite's slowest per file: keep it in view). */
const timings: string[] = []
async function timed<T> (step: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now()
  try { return await fn() } finally { timings.push(`${step} ${((performance.now() - start) / 1000).toFixed(1)} s`) }
}

const exists = async (file: string): Promise<boolean> => await stat(file).then(() => true, () => false)

t.test('a new TypeScript app built from the getting-started steps type-checks, runs and tests with the packed package', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'fastify-live-package-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))
  // TypeScript 5.x, for the same app later, installs while the package builds.
  const ts5 = join(work, 'ts5')
  const installingTs5 = mkdir(ts5).then(async () => await run(ts5, 'npm', ['install', '--no-save', 'typescript@5']))
  const tarball = await timed('npm pack (with the build)', async () => await pack(work))

  await t.test('the tarball holds the license and every file its source maps name', async (t) => {
    const unpacked = join(work, 'unpacked')
    await mkdir(unpacked)
    await run(unpacked, 'tar', ['-xzf', tarball])
    const pkg = join(unpacked, 'package')
    t.match(await readFile(join(pkg, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 fastify-live contributors\n/)
    const maps = (await files(pkg)).filter((f) => f.endsWith('.map'))
    t.ok(maps.some((f) => f.endsWith('.d.ts.map')) && maps.some((f) => f === 'dist/index.js.map'), 'code and declaration maps are shipped')
    const missing: string[] = []
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(await readFile(join(pkg, map), 'utf8')) as { sources: string[], sourcesContent?: (string | null)[] }
      if (map.startsWith('dist/browser/')) {
        // The bundle's maps are read by a browser over HTTP, where no path
        // resolves: they carry every source's text instead.
        if (sources.some((_, i) => typeof sourcesContent?.[i] !== 'string')) missing.push(`${map}: a source's text`)
        continue
      }
      for (const source of sources) if (!await exists(resolve(dirname(join(pkg, map)), source))) missing.push(`${map}: ${source}`)
    }
    t.same(missing, [], `the ${maps.length} source maps name only files in the package (lib/ ships)`)
  })

  const blocks = await steps()
  const shell = blocks.filter((b) => b.lang === 'sh')
  t.equal(shell.length, 2, 'the doc has a set-up block and a run block')
  const setup = shell[0]!.text
  const install = 'npm install fastify fastify-live\n'
  t.ok(setup.includes(install), 'the set-up installs fastify-live from the registry, which here is the tarball')
  await timed('set-up (npm init, fresh installs)', async () => await run(work, 'bash', ['-euo', 'pipefail', '-c', setup.replace(install, `npm install fastify ${tarball}\n`)]))
  const app = join(work, 'hello-live')
  for (const block of blocks) {
    if (block.file !== undefined) await writeFile(join(app, block.file), block.text)
  }
  t.same(blocks.filter((b) => b.file !== undefined).map((b) => b.file),
    ['tsconfig.json', 'views/counter.ts', 'templates/counter.njk', 'app.ts', 'server.ts', 'test/counter.test.ts'])
  t.same(shell[1]!.text.trim().split('\n'), ['npm run typecheck', 'npm test', 'npm start'], 'then: check, test, start')

  const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as { type: string }
  t.equal(pkg.type, 'module')

  const tsVersion = (await run(app, 'npx', ['tsc', '--version'])).trim()
  const latest = (await run(app, 'npm', ['view', 'typescript', 'version'])).trim()
  t.equal(tsVersion, `Version ${latest}`, 'the app has the newest TypeScript')
  await t.resolves(timed(tsVersion, async () => await run(app, 'npm', ['run', 'typecheck'])), `${tsVersion} accepts the app with the strict settings`)

  const test = await timed('npm test', async () => await run(app, 'npm', ['test']))
  t.match(test, /# pass 1\n/, 'the user\'s test, written with fastify-live/testing, passes')
  t.match(test, /# fail 0\n/)

  await t.test('npm start serves the page and its bundle', async (t) => {
    // Its own process group, so the server under npm and tsx stops with it.
    const server = spawn(...clean('npm', ['start']), { cwd: app, env: { ...userEnv, PORT: '0' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => { if (server.exitCode === null) process.kill(-server.pid!, 'SIGTERM') })
    let output = ''
    const origin = await new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer): void => {
        output += String(chunk)
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
        if (m !== null) resolve(m[1]!)
      }
      server.stdout.on('data', read)
      server.stderr.on('data', read)
      server.on('exit', (code) => reject(new Error(`npm start exited (${code}) before listening:\n${output}`)))
    })
    const page = await fetch(`${origin}/`)
    t.equal(page.status, 200)
    const html = await page.text()
    t.match(html, /<p>Count: <span id="count">0<\/span><\/p>/, 'the view renders')
    const bundle = /<script[^>]+src="([^"]+)"/.exec(html)?.[1]
    t.ok(bundle, 'the page loads the bundle')
    const js = await fetch(new URL(bundle!, origin))
    t.equal(js.status, 200)
    t.ok((await js.text()).length > 1000, 'the bundle is served')
  })

  await t.test('the same app type-checks with TypeScript 5.x', async (t) => {
    await installingTs5
    const tsc = join(ts5, 'node_modules/typescript/bin/tsc')
    const version = (await run(app, 'node', [tsc, '--version'])).trim()
    t.match(version, /^Version 5\./)
    await t.resolves(timed(version, async () => await run(app, 'node', [tsc, '-p', '.'])), `${version} accepts the app`)
  })
  t.comment(`timings: ${timings.join(', ')}`)
})
