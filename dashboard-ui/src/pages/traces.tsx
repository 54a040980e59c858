export function TracesPage(_props: { params: URLSearchParams }) {
  return <h1>traces: not built yet</h1>;
}
