// A spinner on stderr while a person waits without a bar (ora); a no-op under --json, on pipes and with NO_COLOR.
import { interactive } from './progress.js'

export interface Spinner {
  /** Changes the text beside the spinner. */
  text(text: string): void
  /** Stops the spinner and clears its line. */
  stop(): void
}

const QUIET: Spinner = { text() {}, stop() {} }

/** Starts a spinner showing `text`; `json` is the command's --json, `when: false` keeps it off too. */
export async function spinner(text: string, o: { json: boolean; when?: boolean }): Promise<Spinner> {
  if (o.when === false || !interactive(o.json) || process.env.NO_COLOR) return QUIET
  // A terminal that reports no width (some ptys) would make ora clear lines without end.
  if (!((process.stderr.columns ?? 0) > 0)) return QUIET
  const { default: ora } = await import('ora')
  const s = ora({ text, stream: process.stderr, discardStdin: false }).start()
  return {
    text(t) {
      s.text = t
    },
    stop: () => s.stop(),
  }
}
