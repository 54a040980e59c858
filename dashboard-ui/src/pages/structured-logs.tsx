export function StructuredLogsPage(_props: { params: URLSearchParams }) {
  return <h1>structured-logs: not built yet</h1>;
}
