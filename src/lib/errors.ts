// One error type for everything gridcore reports to a user, with its documented exit code.

/** Exit codes; README.md and skill/SKILL.md document this table. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFIG: 3,
  HUB_UNREACHABLE: 4,
  AUTH: 5,
  REJECTED: 6,
  REDIS: 7,
  STALLED: 8,
  TIMEOUT: 9,
  PARTIAL: 10,
  CANNOT_START: 11,
  INTERRUPTED: 130,
} as const

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'HUB_UNREACHABLE'
  | 'HUB_AUTH'
  | 'HUB_REJECTED'
  | 'HUB_BAD_RESPONSE'
  | 'NOTHING_RUNNING'
  | 'REDIS_UNREACHABLE'
  | 'REDIS_AUTH'
  | 'REDIS_ERROR'
  | 'INPUT'
  | 'STALLED'
  | 'TIMEOUT'
  | 'CANNOT_START'
  | 'INTERRUPTED'
  | 'INTERNAL'

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.USAGE,
  INPUT: EXIT.USAGE,
  CONFIG: EXIT.CONFIG,
  HUB_UNREACHABLE: EXIT.HUB_UNREACHABLE,
  HUB_AUTH: EXIT.AUTH,
  HUB_REJECTED: EXIT.REJECTED,
  HUB_BAD_RESPONSE: EXIT.REJECTED,
  NOTHING_RUNNING: EXIT.REJECTED,
  REDIS_UNREACHABLE: EXIT.REDIS,
  REDIS_AUTH: EXIT.AUTH,
  REDIS_ERROR: EXIT.REDIS,
  STALLED: EXIT.STALLED,
  TIMEOUT: EXIT.TIMEOUT,
  CANNOT_START: EXIT.CANNOT_START,
  INTERRUPTED: EXIT.INTERRUPTED,
  INTERNAL: EXIT.FAILURE,
}

/** A failure with a one-line message that says what was wrong, what was expected and what to do. */
export class GridcoreError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  /** Extra machine-readable facts for --json output (never secrets). */
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'GridcoreError'
    this.code = code
    this.exitCode = EXIT_BY_CODE[code]
    this.details = details
  }
}

export const configError = (message: string) => new GridcoreError('CONFIG', message)

/** Collapses any message to a single line so output stays one line per error. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
