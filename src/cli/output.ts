/**
 * What the command prints and where: control characters neutralised in human-readable text,
 * colour and a spinner only on a TTY without `NO_COLOR`, JSON on stdout exactly as received.
 */

/**
 * `text` with every control character (C0, DEL, C1) and every bidirectional-override character
 * shown escaped (`\x1b`, `\n`, `\u202e`), so a value from a server or a JWT cannot move the
 * cursor, recolour the terminal or forge a line of output.
 */
export function neutralise(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (char) => {
      switch (char) {
        case '\n':
          return '\\n'
        case '\r':
          return '\\r'
        case '\t':
          return '\\t'
      }
      const code = char.charCodeAt(0)
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`
    },
  )
}

/** Whether `stream` gets colour: a TTY, and `NO_COLOR` unset or empty. */
export function colourful(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
}

type Paint = (text: string) => string

/** ANSI styles that do nothing when `enabled` is false. */
export function palette(
  enabled = colourful(),
): Record<'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan', Paint> {
  const sgr = (open: number, close: number): Paint =>
    enabled ? (text) => `\x1b[${open}m${text}\x1b[${close}m` : (text) => text
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  }
}

/**
 * A spinner on stderr while `work` runs, only on a TTY with colour allowed; otherwise `work` runs
 * silently. The spinner line is erased when `work` settles.
 */
export async function withSpinner<T>(label: string, work: Promise<T>): Promise<T> {
  const spinner = new Spinner()
  spinner.start(label)
  try {
    return await work
  } finally {
    spinner.stop()
  }
}

/** A spinner line on `stream` between `start` and `stop`; does nothing without colour. */
export class Spinner {
  #timer: NodeJS.Timeout | undefined
  constructor(readonly stream: NodeJS.WriteStream = process.stderr) {}

  start(label: string): void {
    this.stop()
    if (!colourful(this.stream)) return
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
    let frame = 0
    this.#timer = setInterval(() => {
      this.stream.write(`\r${frames[frame++ % frames.length]} ${neutralise(label)}`)
    }, 80)
  }

  stop(): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
    this.stream.write('\r\x1b[2K')
  }
}

/** Writes a human-readable line to stderr. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`)
}

/** Writes `value` as indented JSON to stdout, values exactly as received. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
