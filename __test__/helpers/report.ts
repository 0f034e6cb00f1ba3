// The end of an asynchronous child-process fixture: print its report as JSON, or its error on
// stderr with exit code 1, which helpers/child.ts's runFixture turns into a failed assertion.
export function printReport(main: () => Promise<Record<string, unknown>>): void {
  main().then(
    (report) => process.stdout.write(JSON.stringify(report)),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
}
