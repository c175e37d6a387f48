// How much slower than native this run executes: PARABUF_TIME_SCALE, set by scripts/test-emulated.mjs under qemu-user
// (default 1). The tests' own hang detectors (a child killed after so long, a deadlock deadline) multiply their limits
// by it, so an emulated run that is merely slow is not reported as hung; no assertion about speed depends on it.
const raw = process.env.PARABUF_TIME_SCALE
const scale = raw === undefined || raw === '' ? 1 : Number(raw)
if (!Number.isFinite(scale) || scale < 1) throw new Error(`PARABUF_TIME_SCALE must be a number >= 1, not ${JSON.stringify(raw)}`)

export const TIME_SCALE: number = scale
