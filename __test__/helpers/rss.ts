// Whether this process can measure its resident memory. Under qemu-user, /proc/self/stat is answered by the emulator
// with a zero RSS field, so process.memoryUsage().rss reads 0 (npm run test:emulated -- linux-arm64-gnu); a process
// running JavaScript always has resident pages, so 0 means "not measurable", never "nothing resident".

/** Why RSS cannot be measured here, or undefined when it can. */
export function rssUnmeasurable(): string | undefined {
  const rss = process.memoryUsage().rss
  return rss > 0 ? undefined : `process.memoryUsage().rss reads ${rss} in this process (qemu-user does not report a resident set size)`
}

/** The line a test logs for the RSS checks it did not make; test:emulated counts these. */
export const skippedRssChecks = (what: string, why: string): string => `skipped under emulation: ${what}: ${why}`
