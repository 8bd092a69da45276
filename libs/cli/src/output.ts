/** Prints a result as JSON (--json) or as readable text. */
export function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** A usage problem: printed without a stack, exit code 2. */
export function usageError(message: string): never {
  process.stderr.write(`kuayu: ${message}\n`);
  process.exit(2);
}
