/** The value of the record at `offset` in the SIGKILL test's log. */
export function valueFor(offset: number): string {
  return `value-${offset}-${'x'.repeat((offset * 37) % 300)}`;
}
